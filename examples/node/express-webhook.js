'use strict';
// Receiving Light webhooks with Express: verify the signature over the RAW
// request body. A JSON body parser in front of this route would re-serialise
// the payload and break the signature, so the route uses express.raw().
//
//   npm install express light-sdk
//   LIGHT_WEBHOOK_SECRET=whsec_... node examples/node/express-webhook.js
//
// Express is not a dependency of light-sdk. webhook_receiver.js is the same
// endpoint on plain node:http. tests/examples/test_examples_node.py runs
// lightWebhookRoute() (exported below) against the emulator's real deliveries
// through a minimal stand-in for the three Express calls it uses (req.body as
// express.raw() leaves it, req.get(), res.status().json()); Express itself is
// not installed in the test environment, so express.raw() and app.listen()
// are not exercised there.
const { webhooks, events, SignatureVerificationError } = require('light-sdk');

// The route handler: req.body must be the raw Buffer (express.raw()).
function lightWebhookRoute(secret, { tolerance = 300 } = {}) {
  return (req, res) => {
    let event;
    try {
      // req.body is a Buffer holding the exact bytes Light signed
      event = webhooks.verify(req.body, req.get(webhooks.SIGNATURE_HEADER), secret, { tolerance });
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
    return res.status(200).json({ received: true });
  };
}

module.exports = { lightWebhookRoute };

if (require.main === module) {
  let express;
  try {
    express = require('express');
  } catch (e) {
    console.error('this example needs Express: npm install express (or run webhook_receiver.js, plain node:http)');
    process.exit(1);
  }
  const secret = process.env.LIGHT_WEBHOOK_SECRET; // or [newSecret, oldSecret] while rotating
  const app = express();
  app.post('/webhooks/light', express.raw({ type: '*/*', limit: '1mb' }), lightWebhookRoute(secret));
  app.listen(Number(process.env.PORT || 3000), '127.0.0.1');
}
