// A minimal OpenAI-compatible Chat Completions server for gateway benchmarks: answers every POST .../chat/completions
// at once with a fixed completion and usage (12 prompt + 4 completion tokens), keep-alive, no work beyond reading the
// body. Usage: node bench/llm-fake-openai.js PORT
'use strict';
const http = require('http');
const port = parseInt(process.argv[2] || '22100', 10);
const answer = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1700000000, model: 'gpt-test',
  choices: [{index: 0, message: {role: 'assistant', content: 'Hello, world!'}, finish_reason: 'stop'}],
  usage: {prompt_tokens: 12, completion_tokens: 4, total_tokens: 16},
});
const server = http.createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    if (req.method === 'POST' && req.url.endsWith('/chat/completions')) {
      res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(answer)});
      res.end(answer);
    } else {
      res.writeHead(404, {'Content-Type': 'application/json'});
      res.end('{"error":{"message":"not found"}}');
    }
  });
});
server.keepAliveTimeout = 60000;
server.listen(port, '127.0.0.1', () => console.log('fake OpenAI server on 127.0.0.1:' + port));
