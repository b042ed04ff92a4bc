// SPDX-License-Identifier: Apache-2.0
//
// fake_smsc: an SMSC for baraza's SMPP tests and benchmarks, built on the
// npm package smpp (node-smpp 0.5.1, a maintained SMPP client and server).
// It accepts binds from system_id "gw" / password "secret", answers
// submit_sm with message ids (and a DELIVRD receipt when asked for one),
// and takes orders over a small HTTP control port:
//
//   GET  /state             binds, unbinds, enquire_links, live sessions,
//                           and every submit_sm recorded (text decoded)
//   POST /deliver {...}     sends a deliver_sm to the receiving session;
//                           answers with the deliver_sm_resp status
//   POST /deliver_many {n, from, text, wait_ms}
//                           sends n deliver_sm at once, from numbers
//                           `from` + 0000..n-1; answers when each has its
//                           deliver_sm_resp (or wait_ms passed) with how
//                           many were answered, by command_status
//   POST /mode {...}        throttle: N submit_sm answered ESME_RTHROTTLED;
//                           hold: true withholds submit_sm_resp (false
//                           answers those held); refuse_bind: true;
//                           receipts: false; receipt_stat: "UNDELIV";
//                           part_stat: {"2": "UNDELIV"} the receipt of
//                           a long message's part 2 ("none": no receipt);
//                           fail: N submit_sm answered ESME_RINVDSTADR;
//                           ids: "hex-dec" gives each id in hex (with a
//                           leading zero) in submit_sm_resp and in
//                           decimal in its receipt, as some SMSCs do
//   POST /roundtrip {n, concurrency}
//                           benchmark: n MO "HELP" from distinct numbers,
//                           `concurrency` at a time, each timed from its
//                           deliver_sm to the reply's submit_sm
//   POST /raw {hex}         writes bytes as they are to the receiving
//                           session (generic_nacks it gets are recorded)
//   POST /outbind {port, system_id, password}
//                           connects to the ESME's outbind address and
//                           sends outbind; answers {bound} once the ESME
//                           bound as a receiver on it (the receiving
//                           session from then on) or closed it
//   POST /drop              closes every session (the client reconnects)
//   POST /reset             forgets what was recorded
//
// run: node fake_smsc.js SMPP_PORT CONTROL_PORT [--quiet] [--tls KEY CERT]
// (--tls: SMPP over TLS with that key and certificate, PEM files)
'use strict';

const http = require('http');
const smpp = require('smpp');

const smppPort = Number(process.argv[2] || 2775);
const controlPort = Number(process.argv[3] || 2776);
const quiet = process.argv.includes('--quiet');
const tlsAt = process.argv.indexOf('--tls');
const tlsOptions = tlsAt < 0 ? {} : {
  key: require('fs').readFileSync(process.argv[tlsAt + 1]),
  cert: require('fs').readFileSync(process.argv[tlsAt + 2]),
};

const state = {
  binds: [], unbinds: 0, enquire_links: 0, submits: [], submit_count: 0,
  max_window: 0, nacks: [], first_ms: 0, last_ms: 0,
};
const mode = { throttle: 0, hold: false, refuse_bind: false, receipts: true,
  receipt_stat: 'DELIVRD', part_stat: {}, fail: 0, ids: 'plain' };
const held = [];
let trip = null; // the /roundtrip in progress
let tripNumbers = 0; // never the same number twice: no duplicate MO
const sessions = new Set();
let nextId = 1;

function receiving() {
  for (const s of sessions)
    if (s.bound === 'bind_transceiver' || s.bound === 'bind_receiver')
      return s;
  return null;
}

function hex(b) {
  return Buffer.isBuffer(b) ? b.toString('hex') : null;
}

function record(pdu, id, status) {
  const ms = Number(process.hrtime.bigint()) / 1e6;
  if (state.submit_count++ === 0)
    state.first_ms = ms;
  state.last_ms = ms;
  if (quiet)
    return;
  const sm = pdu.short_message || {};
  const payload = pdu.message_payload || null;
  state.submits.push({
    seq: pdu.sequence_number, id, status,
    source_addr: pdu.source_addr, source_addr_ton: pdu.source_addr_ton,
    source_addr_npi: pdu.source_addr_npi,
    destination_addr: pdu.destination_addr,
    dest_addr_ton: pdu.dest_addr_ton, dest_addr_npi: pdu.dest_addr_npi,
    esm_class: pdu.esm_class, data_coding: pdu.data_coding,
    registered_delivery: pdu.registered_delivery,
    message: typeof sm.message === 'string' ? sm.message : null,
    udh: (sm.udh || []).map(hex),
    sar: pdu.sar_msg_ref_num === undefined ? null
      : [pdu.sar_msg_ref_num, pdu.sar_total_segments, pdu.sar_segment_seqnum],
    payload: payload && typeof payload.message === 'string'
      ? payload.message : null,
    service_type: pdu.service_type,
    ussd_service_op: pdu.ussd_service_op === undefined ? null
      : pdu.ussd_service_op,
    its_session_info: Buffer.isBuffer(pdu.its_session_info)
      ? pdu.its_session_info.readUInt16BE(0) : null,
  });
}

// A session the ESME bound, or one this SMSC opened with an outbind.
function serve(session) {
  sessions.add(session);
  session.outstanding = 0;
  session.socket.setNoDelay(true); // as SMSCs do: no Nagle delay on PDUs
  session.on('close', () => sessions.delete(session));
  session.on('error', () => sessions.delete(session));
  for (const kind of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) {
    session.on(kind, function (pdu) {
      const ok = !mode.refuse_bind && pdu.system_id === 'gw' &&
        pdu.password === 'secret';
      state.binds.push({ kind, system_id: pdu.system_id, ok,
        interface_version: pdu.interface_version });
      session.send(pdu.response({
        command_status: ok ? 0 : smpp.ESME_RBINDFAIL, system_id: 'FAKESMSC' }));
      if (!ok) {
        session.close();
        return;
      }
      session.bound = kind;
    });
  }
  session.on('generic_nack', (pdu) => state.nacks.push(pdu.command_status));
  session.on('submit_sm', function (pdu) {
    session.outstanding++;
    if (session.outstanding > state.max_window)
      state.max_window = session.outstanding;
    if (mode.hold) {
      held.push(() => answer(session, pdu));
      return;
    }
    // answer on the next turn, so requests sent together overlap
    setImmediate(() => answer(session, pdu));
  });
  session.on('enquire_link', function (pdu) {
    state.enquire_links++;
    session.send(pdu.response());
  });
  session.on('unbind', function (pdu) {
    state.unbinds++;
    session.send(pdu.response());
    session.close();
  });
}

const server = smpp.createServer(tlsOptions, serve);

// Connects to the ESME's outbind address and sends outbind; answers when
// the ESME bound on that connection (it is then the receiving session) or
// closed it.
function outbind(body, reply) {
  const session = smpp.connect({ host: '127.0.0.1', port: body.port });
  let done = false;
  const finish = (bound) => {
    if (!done)
      reply(200, { bound });
    done = true;
  };
  session.on('connect', function () {
    serve(session);
    session.on('bind_receiver', () => setImmediate(() => finish(!!session.bound)));
    session.outbind({ system_id: body.system_id || 'FAKESMSC',
      password: body.password || '' });
  });
  session.on('close', () => finish(false));
  session.on('error', () => finish(false));
  setTimeout(() => finish(false), body.wait_ms || 5000);
}

function answer(session, pdu) {
  session.outstanding--;
  if (mode.throttle > 0) {
    mode.throttle--;
    record(pdu, null, 'throttled');
    session.send(pdu.response({ command_status: smpp.ESME_RTHROTTLED }));
    return;
  }
  if (mode.fail > 0) {
    mode.fail--;
    record(pdu, null, 'failed');
    session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
    return;
  }
  const n = 4096 + nextId++;
  const id = mode.ids === 'hex-dec' ? '0' + n.toString(16).toUpperCase() : 'm' + n;
  const rid = mode.ids === 'hex-dec' ? String(n) : id;
  record(pdu, id, 'ok');
  session.send(pdu.response({ message_id: id }));
  if (trip && trip.started.has(pdu.destination_addr))
    tripReply(pdu.destination_addr);
  const rx = receiving();
  const stat = mode.part_stat[partNumber(pdu)] || mode.receipt_stat;
  if (mode.receipts && (pdu.registered_delivery & 0x01) && rx &&
      stat !== 'none') {
    const ok = stat === 'DELIVRD';
    const t = 'id:' + rid + ' sub:001 dlvrd:00' + (ok ? '1' : '0') +
      ' submit date:2405011200 done date:2405011201 stat:' +
      stat + ' err:' + (ok ? '000' : '034') + ' text:';
    rx.deliver_sm({ source_addr: pdu.destination_addr,
      destination_addr: pdu.source_addr, esm_class: 0x04,
      data_coding: 0, short_message: Buffer.from(t, 'ascii') });
  }
}

// Which part of a long message a submit_sm is (its UDH's or SAR's
// sequence number), 1 for a whole message.
function partNumber(pdu) {
  if (pdu.sar_segment_seqnum !== undefined)
    return String(pdu.sar_segment_seqnum);
  const udh = (pdu.short_message || {}).udh;
  if (udh && udh.length > 0 && Buffer.isBuffer(udh[0]))
    return String(udh[0][udh[0].length - 1]);
  return '1';
}

function tripNext() {
  const rx = receiving();
  if (trip.sent >= trip.n || !rx)
    return;
  const number = String(254700000000 + tripNumbers++);
  trip.sent++;
  trip.started.set(number, process.hrtime.bigint());
  rx.deliver_sm({ source_addr_ton: 1, source_addr_npi: 1, source_addr: number,
    destination_addr: '22384', data_coding: 0, short_message: 'HELP' });
}

function tripReply(number) {
  const t0 = trip.started.get(number);
  trip.started.delete(number);
  trip.lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
  if (trip.lat.length === trip.n) {
    const ms = Number(process.hrtime.bigint() - trip.t0) / 1e6;
    const lat = trip.lat.sort((a, b) => a - b);
    const pct = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))];
    trip.reply(200, { n: trip.n, ms, rate: trip.n * 1000 / ms,
      p50: pct(0.5), p99: pct(0.99) });
    trip = null;
    return;
  }
  tripNext();
}

function roundtrip(body, reply) {
  trip = { n: body.n, sent: 0, started: new Map(), lat: [], reply,
    t0: process.hrtime.bigint() };
  for (let i = 0; i < (body.concurrency || 1); i++)
    tripNext();
}

function deliver(body, reply) {
  const rx = receiving();
  if (!rx) {
    reply(409, { error: 'no receiving session bound' });
    return;
  }
  const pdu = {
    source_addr_ton: body.source_addr_ton === undefined ? 1 : body.source_addr_ton,
    source_addr_npi: 1,
    source_addr: body.from,
    destination_addr: body.to || '22384',
    esm_class: body.esm_class || 0,
    data_coding: body.data_coding || 0,
  };
  if (body.service_type !== undefined)
    pdu.service_type = body.service_type;
  if (body.its_session_info !== undefined) { // a number: the two octets
    pdu.its_session_info = Buffer.alloc(2);
    pdu.its_session_info.writeUInt16BE(body.its_session_info);
  }
  if (body.hex !== undefined)
    pdu.short_message = Buffer.from(body.hex, 'hex');
  else if (body.udh !== undefined)
    pdu.short_message = { udh: Buffer.from(body.udh, 'hex'),
      message: body.text };
  else if (body.payload !== undefined)
    pdu.message_payload = body.payload;
  else
    pdu.short_message = body.text;
  for (const k of ['sar_msg_ref_num', 'sar_total_segments',
    'sar_segment_seqnum', 'ussd_service_op', 'receipted_message_id',
    'message_state'])
    if (body[k] !== undefined)
      pdu[k] = body[k];
  let answered = false;
  const timer = setTimeout(() => {
    if (!answered)
      reply(504, { error: 'no deliver_sm_resp' });
    answered = true;
  }, body.wait_ms || 5000);
  rx.deliver_sm(pdu, function (resp) {
    if (answered)
      return;
    answered = true;
    clearTimeout(timer);
    reply(200, { command_status: resp.command_status });
  });
}

function deliverMany(body, reply) {
  const rx = receiving();
  if (!rx) {
    reply(409, { error: 'no receiving session bound' });
    return;
  }
  const statuses = {};
  let answered = 0, done = false;
  const finish = () => {
    if (done)
      return;
    done = true;
    clearTimeout(timer);
    reply(200, { answered, statuses });
  };
  const timer = setTimeout(finish, body.wait_ms || 15000);
  for (let i = 0; i < body.n; i++)
    rx.deliver_sm({
      source_addr_ton: 1, source_addr_npi: 1,
      source_addr: body.from + String(i).padStart(4, '0'),
      destination_addr: '22384', short_message: body.text,
    }, function (resp) {
      statuses[resp.command_status] = (statuses[resp.command_status] || 0) + 1;
      if (++answered === body.n)
        finish();
    });
}

http.createServer(function (req, res) {
  let data = '';
  req.on('data', (c) => { data += c; });
  req.on('end', function () {
    const reply = (code, obj) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    let body = {};
    try {
      body = data ? JSON.parse(data) : {};
    } catch (e) {
      reply(400, { error: 'bad json' });
      return;
    }
    if (req.method === 'GET' && req.url === '/state') {
      reply(200, Object.assign({ sessions: [...sessions].map((s) => s.bound || null) },
        state));
    } else if (req.url === '/deliver') {
      try {
        deliver(body, reply);
      } catch (e) {
        reply(500, { error: String(e) });
      }
    } else if (req.url === '/deliver_many') {
      deliverMany(body, reply);
    } else if (req.url === '/mode') {
      Object.assign(mode, body);
      if (!mode.hold)
        held.splice(0).forEach((f) => f());
      reply(200, mode);
    } else if (req.url === '/roundtrip') {
      roundtrip(body, reply);
    } else if (req.url === '/raw') {
      const rx = receiving();
      if (rx)
        rx.socket.write(Buffer.from(body.hex, 'hex'));
      reply(rx ? 200 : 409, {});
    } else if (req.url === '/outbind') {
      outbind(body, reply);
    } else if (req.url === '/drop') {
      for (const s of sessions)
        s.close();
      reply(200, {});
    } else if (req.url === '/reset') {
      state.binds = [];
      state.unbinds = 0;
      state.enquire_links = 0;
      state.submits = [];
      state.submit_count = 0;
      state.max_window = 0;
      state.nacks = [];
      state.first_ms = state.last_ms = 0;
      reply(200, {});
    } else {
      reply(404, { error: 'unknown' });
    }
  });
}).listen(controlPort, '127.0.0.1');

server.listen(smppPort, '127.0.0.1', () => {
  process.stdout.write('ready\n');
});
