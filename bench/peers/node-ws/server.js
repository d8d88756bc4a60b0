// A minimal broadcast server for comparison with Immunity, driven by `immunity bench`:
//   POST /api/test/trigger-apv  body = an APV (JSON)  -> broadcast {"type":"apv",...} to every client
//   WS   /ws/adaptive-immunity                        -> "hello" first, then every event
// Each event is serialized once and the same string is sent to every open socket (what ws users do).
// Usage: PORT=8002 node server.js
'use strict';
const http = require('http');
const { WebSocketServer, WebSocket } = require('ws');

const port = Number(process.env.PORT || 8002);
let seq = 0;

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/api/test/trigger-apv')) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let apv;
      try { apv = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch (e) {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":"body must be JSON"}');
        return;
      }
      seq++;
      const frame = JSON.stringify({ type: 'apv', timestamp: new Date().toISOString(), payload: apv, cursor: 'node-' + seq });
      for (const ws of wss.clients) {
        if (ws.readyState === WebSocket.OPEN) ws.send(frame);
      }
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'published', cursor: 'node-' + seq, cve_id: apv.cve_id }));
    });
    return;
  }
  if (req.method === 'GET' && (req.url === '/' || req.url.startsWith('/observe/health'))) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"UP"}');
    return;
  }
  res.writeHead(404);
  res.end();
});

const wss = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (protocols) => (protocols.has('immunity.v1') ? 'immunity.v1' : false),
});
server.on('upgrade', (req, socket, head) => {
  if (!req.url.startsWith('/ws/adaptive-immunity')) { socket.destroy(); return; }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});
let connId = 0;
wss.on('connection', (ws) => {
  connId++;
  ws.send(JSON.stringify({ type: 'hello', timestamp: new Date().toISOString(), cursor: 'node-' + seq,
    payload: { connection_id: connId.toString(16), mode: 'snapshot', recovered: null, reason: null,
      cursor: 'node-' + seq, heartbeat_interval_seconds: 30, protocol: 1 } }));
});
setInterval(() => {
  const frame = JSON.stringify({ type: 'heartbeat', timestamp: new Date().toISOString(),
    payload: { connections: wss.clients.size, interval_seconds: 30 } });
  for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(frame);
}, 30000).unref();

server.listen(port, '127.0.0.1', () => console.log(`node-ws peer on http://127.0.0.1:${port} (pid ${process.pid})`));
