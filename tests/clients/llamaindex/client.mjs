// LlamaIndex.TS, configured only with a base URL and a key, against a running cinder server.
// Env: CINDER_BASE_URL (e.g. http://127.0.0.1:8080/v1), CINDER_API_KEY, CINDER_MODEL.
// Prints one JSON line: {"chat", "streamed", "complete", "badKeyStatus"}; exits non-zero on any failure.
import { Settings } from "llamaindex";
import { OpenAI } from "@llamaindex/openai";

const { CINDER_BASE_URL: baseURL, CINDER_API_KEY: apiKey, CINDER_MODEL: model } = process.env;
if (!baseURL || !apiKey || !model) {
  console.error("set CINDER_BASE_URL, CINDER_API_KEY and CINDER_MODEL");
  process.exit(2);
}

const options = { model, baseURL, temperature: 0, maxTokens: 24, maxRetries: 0, timeout: 30000 };
Settings.llm = new OpenAI({ ...options, apiKey });
const messages = [{ role: "user", content: "Tell me a story about a dog." }];

const answer = await Settings.llm.chat({ messages });
let streamed = "";
for await (const chunk of await Settings.llm.chat({ messages, stream: true })) streamed += chunk.delta;
const completion = await Settings.llm.complete({ prompt: "Once upon a time" });

let badKeyStatus = null;
try {
  await new OpenAI({ ...options, apiKey: "sk-not-a-key" }).chat({ messages });
} catch (e) {
  badKeyStatus = e.status ?? String(e);
}

console.log(JSON.stringify({ chat: answer.message.content, streamed, complete: completion.text, badKeyStatus }));
