// Renders every built-in chat template over a fixed set of conversations with @huggingface/jinja, the reference
// Jinja implementation used by Hugging Face, and writes fixtures.json. The C# tests compare Cinder's renderings
// with these byte for byte. See README.md.
import { readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { Template } from "@huggingface/jinja";

const here = path.dirname(fileURLToPath(import.meta.url));
const builtInDir = path.resolve(here, "../../../src/Cinder.Templates/BuiltIn");
const version = JSON.parse(readFileSync(path.join(here, "node_modules/@huggingface/jinja/package.json"), "utf8")).version;

// Each built-in with the special tokens of its model family.
const templates = {
	chatml: { bos_token: null, eos_token: "<|im_end|>" },
	llama2: { bos_token: "<s>", eos_token: "</s>" },
	llama3: { bos_token: "<|begin_of_text|>", eos_token: "<|eot_id|>" },
	"llama3.1": { bos_token: "<|begin_of_text|>", eos_token: "<|eot_id|>" },
	mistral: { bos_token: "<s>", eos_token: "</s>" },
	phi3: { bos_token: "<s>", eos_token: "<|endoftext|>" },
	gemma: { bos_token: "<bos>", eos_token: "<eos>" },
	zephyr: { bos_token: "<s>", eos_token: "</s>" },
	"qwen2.5": { bos_token: null, eos_token: "<|im_end|>" },
};

const m = (role, content) => ({ role, content });
const conversations = {
	"system-user": [m("system", "You are a helpful assistant."), m("user", "Hello! Who are you?")],
	"user-only": [m("user", "What is 2 + 2?")],
	"multi-turn": [
		m("system", "You are a terse assistant."),
		m("user", "Name a prime number."),
		m("assistant", "7"),
		m("user", "Another one, please."),
	],
	"ends-with-assistant": [
		m("user", "Say hi."),
		m("assistant", "Hi!"),
		m("user", "Say bye."),
		m("assistant", "Bye!"),
	],
	"long-multi-turn": [
		m("system", "Count with me."),
		m("user", "one"),
		m("assistant", "two"),
		m("user", "three"),
		m("assistant", "four"),
		m("user", "five"),
		m("assistant", "six"),
		m("user", "seven"),
	],
	"empty-content": [m("user", ""), m("assistant", ""), m("user", "Was that empty?")],
	"empty-system": [m("system", ""), m("user", "No system prompt really.")],
	"system-only": [m("system", "Only a system prompt.")],
	unicode: [
		m("system", "Réponds en français 🇫🇷."),
		m("user", "Ünïcödé ✓ — 日本語のテキスト 😀"),
		m("assistant", "D'accord ! « guillemets » ça marche."),
		m("user", "Ελληνικά, العربية, עברית, 한국어"),
	],
	whitespace: [
		m("user", "  leading and trailing spaces  \n"),
		m("assistant", "\n\n  an answer padded with newlines  \n"),
		m("user", "\ttabbed\tquestion\t"),
	],
	"special-characters": [
		m("user", "Quotes \" ' and a backslash \\ and {{ braces }} {% tags %} {# hash #}"),
		m("assistant", "<b>html</b> & <|im_end|> [INST] stray tokens"),
		m("user", "line one\r\nline two"),
	],
	"roles-not-alternating": [m("user", "first"), m("user", "second")],
	"assistant-first": [m("assistant", "I speak first."), m("user", "Fine.")],
	"tool-message": [m("user", "What is 6 * 7?"), m("tool", "42")],
	"system-after-user": [m("user", "Hello"), m("system", "Late system message")],
};

// Extra template variables, as a server passes them.
const extras = [
	{ template: "llama3.1", conversation: "system-user", add_generation_prompt: true, extra: { date_string: "05 Nov 2025" } },
	{ template: "chatml", conversation: "user-only", add_generation_prompt: true, extra: { eos_token: "<|endoftext|>", unused_variable: [1, 2, 3] } },
];

function render(name, conversation, addGenerationPrompt, extra) {
	const text = readFileSync(path.join(builtInDir, `${name}.jinja`), "utf8");
	const tokens = templates[name];
	const data = { messages: conversations[conversation], add_generation_prompt: addGenerationPrompt, tools: null, documents: null };
	if (tokens.bos_token !== null) data.bos_token = tokens.bos_token;
	if (tokens.eos_token !== null) data.eos_token = tokens.eos_token;
	Object.assign(data, extra ?? {});
	const result = { template: name, conversation, add_generation_prompt: addGenerationPrompt };
	if (extra) result.extra = extra;
	try {
		result.output = new Template(text).render(data);
	} catch (e) {
		result.error = e.message;
	}
	return result;
}

const cases = [];
for (const name of Object.keys(templates)) {
	for (const conversation of Object.keys(conversations)) {
		for (const addGenerationPrompt of [true, false]) cases.push(render(name, conversation, addGenerationPrompt));
	}
}
for (const e of extras) cases.push(render(e.template, e.conversation, e.add_generation_prompt, e.extra));

const sha256 = (s) => createHash("sha256").update(s, "utf8").digest("hex");
const fixture = {
	generator: `@huggingface/jinja ${version}`,
	regenerate: "cd tests/Cinder.Templates.Tests/reference && npm ci && node render.mjs",
	templates: Object.fromEntries(
		Object.entries(templates).map(([name, tokens]) => [
			name,
			{ sha256: sha256(readFileSync(path.join(builtInDir, `${name}.jinja`), "utf8")), ...tokens },
		]),
	),
	conversations,
	cases,
};
writeFileSync(path.join(here, "fixtures.json"), JSON.stringify(fixture, null, 1) + "\n");
console.log(`wrote ${cases.length} cases (${cases.filter((c) => "error" in c).length} expected errors) with @huggingface/jinja ${version}`);
