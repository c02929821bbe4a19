import WebSocket from 'ws';
const [url, key, ...ids] = process.argv.slice(2);
let frames = 0;
for (const id of ids) {
  const ws = new WebSocket(`${url!.replace('http', 'ws')}/mt5/${id}/ws?api_key=${key}`);
  await new Promise((r) => ws.once('open', r));
  ws.on('message', () => frames++);
  for (const t of ['positions', 'account', 'trades']) ws.send(JSON.stringify({ action: 'subscribe', topic: t }));
}
process.stdout.write('ready\n');
setInterval(() => {}, 1000);
