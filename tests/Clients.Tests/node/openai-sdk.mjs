// Drives a running LlmFramework host with the official OpenAI SDK for Node and prints one JSON object of what it saw.
// Usage: node openai-sdk.mjs BASE_URL API_KEY   (BASE_URL like http://127.0.0.1:PORT/v1)
import OpenAI from 'openai';

const [baseURL, apiKey] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120000 });
const out = {};
const messages = [{ role: 'system', content: 'You tell stories.' }, { role: 'user', content: 'Tell me about the old house.' }];

async function failure(call) {
  try {
    await call();
    return { status: 0, message: 'no error' };
  } catch (e) {
    return { status: e.status ?? -1, message: e.message, type: e.error?.type ?? null };
  }
}

const models = await client.models.list();
out.models = models.data.map(m => ({ id: m.id, object: m.object, owned_by: m.owned_by }));
const model = out.models[0].id;

const chat = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0, seed: 7 });
out.chat = { object: chat.object, model: chat.model, content: chat.choices[0].message.content, role: chat.choices[0].message.role, finish: chat.choices[0].finish_reason, usage: chat.usage };

const stream = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0, seed: 7, stream: true, stream_options: { include_usage: true } });
out.stream = { text: '', chunks: 0, finish: null, usage: null, objects: [] };
for await (const c of stream) {
  out.stream.chunks++;
  if (!out.stream.objects.includes(c.object)) out.stream.objects.push(c.object);
  if (c.choices.length > 0) {
    out.stream.text += c.choices[0].delta?.content ?? '';
    if (c.choices[0].finish_reason) out.stream.finish = c.choices[0].finish_reason;
  }
  if (c.usage) out.stream.usage = c.usage;
}

const lp = await client.chat.completions.create({ model, messages, max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 3 });
out.logprobs = lp.choices[0].logprobs.content.map(t => ({ token: t.token, logprob: t.logprob, top: t.top_logprobs.map(x => x.logprob) }));

const two = await client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 1, seed: 3, n: 2 });
out.n = two.choices.map(c => ({ index: c.index, content: c.message.content }));

const completion = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 8, temperature: 0 });
out.completion = { object: completion.object, text: completion.choices[0].text, finish: completion.choices[0].finish_reason, usage: completion.usage };

const completionStream = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 8, temperature: 0, stream: true });
out.completionStream = '';
for await (const c of completionStream) out.completionStream += c.choices[0]?.text ?? '';

// The SDK asks for base64 embeddings by default and decodes them.
const embeddings = await client.embeddings.create({ model, input: ['a cat sat on the mat', 'the ship sailed at dawn'] });
out.embeddings = { count: embeddings.data.length, dims: embeddings.data[0].embedding.length, norm: Math.hypot(...embeddings.data[0].embedding), usage: embeddings.usage };
const floatEmbeddings = await client.embeddings.create({ model, input: 'a cat sat on the mat', encoding_format: 'float' });
out.embeddingsAgree = Math.max(...floatEmbeddings.data[0].embedding.map((v, i) => Math.abs(v - embeddings.data[0].embedding[i])));

out.missingModel = await failure(() => client.chat.completions.create({ model: 'no-such-model', messages }));
out.badN = await failure(() => client.chat.completions.create({ model, messages, n: 1000 }));
out.badTemperature = await failure(() => client.chat.completions.create({ model, messages, temperature: 'hot' }));
out.wrongKey = await failure(() => new OpenAI({ baseURL, apiKey: 'wrong-key', maxRetries: 0 }).models.list());

console.log(JSON.stringify(out));
