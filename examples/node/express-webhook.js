'use strict';
// Receiving Light webhooks with Express: verify the signature over the RAW
// request body. A JSON body parser in front of this route would re-serialise
// the payload and break the signature, so the route uses express.raw().
//
//   npm install express light-sdk
//   LIGHT_WEBHOOK_SECRET=whsec_... node examples/node/express-webhook.js
//
// tests/node/webhook.test.js runs the same handler logic on node:http (the
// test suite does not depend on Express).
const express = require('express');
const { webhooks, events, SignatureVerificationError } = require('light-sdk');

const secret = process.env.LIGHT_WEBHOOK_SECRET; // or [newSecret, oldSecret] while rotating
const app = express();

app.post('/webhooks/light', express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
  let event;
  try {
    // req.body is a Buffer holding the exact bytes Light signed
    event = webhooks.verify(req.body, req.get(webhooks.SIGNATURE_HEADER), secret, { tolerance: 300 });
  } catch (e) {
    if (e instanceof SignatureVerificationError) {
      // e.reason: malformed_header | timestamp_too_old | timestamp_in_future | signature_mismatch | no_secret
      return res.status(400).json({ error: 'invalid signature', reason: e.reason });
    }
    throw e;
  }
  switch (event.event) {
    case events.ENROLLMENT_FINALIZED:
      console.log('enrollment finalized for', event.data.account && event.data.account.uuid);
      break;
    case events.ACCOUNT_INVOICE_SENT:
      console.log('invoice sent', event.data.invoice_number);
      break;
    default:
      console.log('event', event.event);
  }
  // Answer 2xx quickly; Light retries deliveries that fail.
  res.status(200).json({ received: true });
});

app.listen(Number(process.env.PORT || 3000), '127.0.0.1');
