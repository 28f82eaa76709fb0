-- Shared by billing_invoices.lua and usage_csv.lua (not a program): a demo
-- account enrolled through the SDK and activated with the sandbox's seed
-- operation. Loaded with dofile next to the calling script:
--   local demo_account = dofile(script_dir .. "demo_account.lua")
--   local uuid, acct = demo_account(client, check, "billing")
-- `check(what, v, err)` is the caller's error handler (returns v or exits).
return function(client, check, tag)
  local account = check("create account", client.accounts:create{
    email = ("%s+%d-%d@example.com"):format(tag, os.time(), math.random(1, 1e6)),
    first_name = "Ada", last_name = "Lovelace", phone_number = "214-555-0100", date_of_birth = "1990-01-01" })
  local acct = check("account client", client:for_account(account.uuid))
  local esi_id = check("address", client.enroll:full_address_search{ address_1 = "123 Main St",
    address_2 = "Apt 1", postal_code = "75201" })[1].esi_id
  local plan = check("plans", client.enroll:request_plans{ esi_id = esi_id, account_uuid = account.uuid }).plans[1]
  check("accept plan", acct.enroll:accept_plan{ plan_uuid = plan.uuid, esi_id = esi_id,
    service_start_date = plan.earliest_start_date, terms_accepted = true })
  check("identity", acct.enroll:update_identity{})
  check("credit check", acct.enroll:credit_check{ ssn = "123456789", consent = true })
  check("payment method", acct.billing:ensure_payment_method_added{ payment_method_id = "pm_card_visa" })
  check("finalize", acct.enroll:finalize{})
  check("activate (sandbox)", acct.sandbox:seed_demo_data())
  return account.uuid, acct
end
