// SPDX-License-Identifier: Apache-2.0
//
// smpp_load: the baseline for baraza's SMPP benchmark -- node-smpp's own
// client binding to the same fake SMSC and submitting N messages with at
// most WINDOW unanswered, as fast as it can.  Prints one JSON line.
//
// run: node smpp_load.js PORT N WINDOW
'use strict';

const smpp = require('smpp');

const [port, n, window] = process.argv.slice(2).map(Number);
const session = smpp.connect({ url: 'smpp://127.0.0.1:' + port });
let sent = 0, answered = 0, t0;

function pump() {
  while (sent < n && sent - answered < window) {
    const i = sent++;
    session.submit_sm({ source_addr_ton: 3, source_addr: '22384',
      dest_addr_ton: 1, dest_addr_npi: 1,
      destination_addr: String(254700000000 + i), data_coding: 0,
      short_message: 'The water point is fixed.' }, function () {
      answered++;
      if (answered === n) {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        process.stdout.write(JSON.stringify({ n, window, ms,
          rate: n * 1000 / ms }) + '\n');
        session.unbind(() => session.close());
        return;
      }
      pump();
    });
  }
}

session.bind_transceiver({ system_id: 'gw', password: 'secret' }, function (pdu) {
  if (pdu.command_status !== 0) {
    process.stderr.write('bind refused\n');
    process.exit(1);
  }
  t0 = process.hrtime.bigint();
  pump();
});
