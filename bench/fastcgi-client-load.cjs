// The same load as `ping --count N --concurrency C`, made with the most used
// npm FastCGI client library (fastcgi-client), for a side-by-side figure.
// Usage: node bench/fastcgi-client-load.cjs SOCKET COUNT CONCURRENCY SCRIPT
const connector = require('fastcgi-client');

const [sockFile, countText, concText, script] = process.argv.slice(2);
const count = Number(countText);
const concurrency = Number(concText);
const params = {
  GATEWAY_INTERFACE: 'CGI/1.1',
  SERVER_PROTOCOL: 'HTTP/1.1',
  SERVER_NAME: 'localhost',
  SERVER_PORT: '80',
  REMOTE_ADDR: '127.0.0.1',
  REQUEST_METHOD: 'GET',
  REQUEST_URI: script,
  QUERY_STRING: '',
  DOCUMENT_ROOT: '/',
  SCRIPT_NAME: script,
  SCRIPT_FILENAME: script,
  CONTENT_LENGTH: '',
  CONTENT_TYPE: '',
};
const client = connector({
  sockFile,
  skipCheckServer: true,
  maxConns: concurrency,
  maxReqs: concurrency,
  mpxsConns: false,
});
let issued = 0;
let failed = 0;
const one = () =>
  new Promise((resolve) => {
    client.request(params, (err, req) => {
      if (err) {
        failed++;
        resolve();
        return;
      }
      let out = '';
      req.stdout.on('data', (d) => {
        out += d;
      });
      req.stderr.on('data', () => {});
      req.stdin.end();
      req.stdout.on('end', () => {
        if (!/^Status: 200|Content-type/i.test(out) && !out.includes('\r\n\r\n')) failed++;
        resolve();
      });
    });
  });
const worker = async () => {
  while (issued < count) {
    issued++;
    await one();
  }
};
client.on('ready', async () => {
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(`${JSON.stringify({ requestsPerSecond: (count / ms) * 1000, failed, ms })}\n`);
  process.exit(0);
});
client.on('error', (e) => {
  console.error(String(e));
  process.exit(1);
});
