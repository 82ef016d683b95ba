using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cinder.Templates.Tests;

public sealed class ChatTemplateTests
{
    private static readonly ChatMessage[] Hello = [new("user", "Hello")];

    [Fact]
    public void PassesWhatTransformersPasses()
    {
        var template = new ChatTemplate(
            "{{ bos_token }}|{{ eos_token }}|{{ add_generation_prompt }}|{{ tools is none }}|{{ documents is none }}|{{ messages|length }}|{{ messages[0].role }}:{{ messages[0]['content'] }}",
            "<s>", "</s>");
        Assert.Equal("<s>|</s>|True|True|True|1|user:Hello", template.Render(Hello, addGenerationPrompt: true));
        Assert.Equal("<s>|</s>|False|True|True|1|user:Hello", template.Render(Hello, addGenerationPrompt: false));
    }

    [Fact]
    public void MissingSpecialTokensAreUndefined()
    {
        var template = new ChatTemplate("[{{ bos_token }}]{{ bos_token is defined }}{{ eos_token is defined }}");
        Assert.Equal("[]FalseFalse", template.Render(Hello, false));
    }

    [Fact]
    public void ExtraVariablesAreVisibleAndMayReplaceTokensButNotMessages()
    {
        var template = new ChatTemplate("{{ eos_token }}|{{ date_string }}|{{ tools|tojson }}|{{ n + 1 }}", eosToken: "</s>");
        var extra = new Dictionary<string, object?>
        {
            ["eos_token"] = "<|end|>",
            ["date_string"] = "26 Jul 2024",
            ["tools"] = JsonNode.Parse("""[{"type": "function", "function": {"name": "f", "weight": 1.5}}]"""),
            ["n"] = 41,
        };
        Assert.Equal("""<|end|>|26 Jul 2024|[{"type": "function", "function": {"name": "f", "weight": 1.5}}]|42""", template.Render(Hello, false, extra));

        Assert.Throws<ArgumentException>(() => template.Render(Hello, false, new Dictionary<string, object?> { ["messages"] = "x" }));
        Assert.Throws<ArgumentException>(() => template.Render(Hello, false, new Dictionary<string, object?> { ["add_generation_prompt"] = true }));
    }

    [Fact]
    public void MessageFieldsCarryToolCalls()
    {
        var template = ChatTemplate.FromBuiltIn("qwen2.5", eosToken: "<|im_end|>");
        var toolCalls = JsonDocument.Parse("""[{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]""").RootElement;
        var tools = JsonDocument.Parse("""[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]""").RootElement;
        ChatMessage[] messages =
        [
            new("user", "Weather in Paris?"),
            new("assistant", null) { Fields = new Dictionary<string, object?> { ["tool_calls"] = toolCalls } },
            new("tool", """{"temp": 21}"""),
        ];
        // Expected: Jinja2 3.1.6 with transformers' environment.
        const string expected = "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n{\"temp\": 21}\n</tool_response><|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(expected, template.Render(messages, true, new Dictionary<string, object?> { ["tools"] = tools }));
    }

    [Fact]
    public void Llama31PutsToolsInTheFirstUserMessage()
    {
        var template = ChatTemplate.FromBuiltIn("llama3.1", "<|begin_of_text|>", "<|eot_id|>");
        var tools = JsonNode.Parse("""[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]""");
        // Expected: Jinja2 3.1.6 with transformers' environment.
        const string expected = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nEnvironment: ipython\nCutting Knowledge Date: December 2023\nToday Date: 05 Nov 2025\n\n<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with a JSON for a function call with its proper arguments that best answers the given prompt.\n\nRespond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n{\n    \"type\": \"function\",\n    \"function\": {\n        \"name\": \"get_weather\",\n        \"parameters\": {\n            \"type\": \"object\",\n            \"properties\": {\n                \"city\": {\n                    \"type\": \"string\"\n                }\n            }\n        }\n    }\n}\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        Assert.Equal(expected, template.Render([new("user", "Hi")], true, new Dictionary<string, object?> { ["tools"] = tools, ["date_string"] = "05 Nov 2025" }));
    }

    [Fact]
    public void FieldsCannotReplaceRoleOrContent()
    {
        var template = ChatTemplate.FromBuiltIn("chatml");
        var message = new ChatMessage("user", "x") { Fields = new Dictionary<string, object?> { ["role"] = "system" } };
        Assert.Throws<ArgumentException>(() => template.Render([message], false));
    }

    [Fact]
    public void NullContentBehavesAsPythonNone()
    {
        // transformers would fail the same way: '<|im_start|>' + role + '\n' + None is a TypeError.
        var template = ChatTemplate.FromBuiltIn("chatml");
        var e = Assert.Throws<Core.TemplateException>(() => template.Render([new("assistant", null)], false));
        Assert.Equal("unsupported operand type(s) for +: 'str' and 'NoneType'", e.Problem);
        Assert.Equal("None", new ChatTemplate("{{ messages[0].content }}").Render([new("assistant", null)], false));
    }

    [Fact]
    public void ResolvePrefersOverrideThenModelThenChatml()
    {
        const string model = "MODEL:{{ messages[0].content }}";
        Assert.Equal("chatml", ChatTemplate.Resolve("ChatML", model, null, null).Name);
        Assert.Equal(BuiltInChatTemplates.Get("llama3"), ChatTemplate.Resolve(" llama3 ", model, null, null).Source);
        Assert.Equal("OVERRIDE:Hello", ChatTemplate.Resolve("OVERRIDE:{{ messages[0].content }}", model, null, null).Render(Hello, false));
        Assert.Equal("MODEL:Hello", ChatTemplate.Resolve(null, model, null, null).Render(Hello, false));
        Assert.Equal("MODEL:Hello", ChatTemplate.Resolve("  ", model, null, null).Render(Hello, false));
        var fallback = ChatTemplate.Resolve(null, null, null, null);
        Assert.Equal(ChatTemplate.FallbackName, fallback.Name);
        Assert.Equal("<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n", fallback.Render(Hello, true));
        var e = Assert.Throws<ArgumentException>(() => ChatTemplate.Resolve("no-such-template", model, null, null));
        Assert.Contains("llama3.1", e.Message);
    }

    [Fact]
    public void SyntaxErrorsInTheModelTemplateNameTheSource()
    {
        var e = Assert.Throws<TemplateSyntaxException>(() => ChatTemplate.Resolve(null, "{% if %}", null, null));
        Assert.StartsWith("chat template 'tokenizer.chat_template' line 1, column 7:", e.Message);
    }

    [Fact]
    public void StrftimeNowUsesTheGivenClock()
    {
        var clock = new FixedClock(new DateTimeOffset(2025, 3, 5, 14, 7, 9, TimeSpan.FromHours(1)));
        var template = new ChatTemplate(
            "{% if strftime_now is defined %}{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%A %B %-') if false else strftime_now('%A %B %H:%M:%S %p %j %y %%') }}{% endif %}",
            timeProvider: clock);
        Assert.Equal("05 Mar 2025|Wednesday March 14:07:09 PM 064 25 %", template.Render(Hello, false));
        Assert.Equal("5 Mar 2025, 2:7", new ChatTemplate("{{ strftime_now('%-d %b %Y, %-I:%-M') }}", timeProvider: clock).Render(Hello, false));
    }

    [Fact]
    public void ConcurrentRendersOfOneTemplateAgreeWithSequentialOnes()
    {
        var template = ChatTemplate.FromBuiltIn("llama3.1", "<|begin_of_text|>", "<|eot_id|>");
        var conversations = Enumerable.Range(0, 32)
            .Select(i => (IReadOnlyList<ChatMessage>)[new("system", $"system {i}"), new("user", $"question {i}"), new("assistant", $"answer {i}"), new("user", "again")])
            .ToList();
        var sequential = conversations.Select(c => template.Render(c, true)).ToList();
        var parallel = new string[conversations.Count];
        Parallel.For(0, conversations.Count * 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            var i = k % conversations.Count;
            var text = template.Render(conversations[i], true);
            lock (parallel) parallel[i] = text;
            Assert.Equal(sequential[i], text);
        });
        Assert.Equal(sequential, parallel);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();

        public override TimeZoneInfo LocalTimeZone { get; } = TimeZoneInfo.CreateCustomTimeZone("fixed", now.Offset, "fixed", "fixed");
    }
}
