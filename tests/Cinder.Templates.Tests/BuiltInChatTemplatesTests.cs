namespace Cinder.Templates.Tests;

public sealed class BuiltInChatTemplatesTests
{
    [Fact]
    public void ListsTheModelFamilies()
    {
        Assert.Equal(["chatml", "gemma", "llama2", "llama3", "llama3.1", "mistral", "phi3", "qwen2.5", "zephyr"], BuiltInChatTemplates.Names);
    }

    [Fact]
    public void LookupIsCaseInsensitiveAndUnknownNamesAreReported()
    {
        Assert.True(BuiltInChatTemplates.TryGet("Llama3", out var text));
        Assert.StartsWith("{% set loop_messages = messages %}", text);
        Assert.False(BuiltInChatTemplates.TryGet("llama4", out var missing));
        Assert.Equal("", missing);
        var e = Assert.Throws<ArgumentException>(() => BuiltInChatTemplates.Get("llama4"));
        Assert.Contains("chatml, gemma, llama2", e.Message);
    }

    [Theory]
    [InlineData("chatml", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")]
    [InlineData("llama2", "<s>[INST] Hi [/INST]")]
    [InlineData("llama3", "<s><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")]
    [InlineData("mistral", "<s> [INST] Hi [/INST]")]
    [InlineData("phi3", "<|user|>\nHi<|end|>\n<|assistant|>\n")]
    [InlineData("gemma", "<s><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n")]
    [InlineData("zephyr", "<|user|>\nHi</s>\n<|assistant|>\n")]
    [InlineData("qwen2.5", "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")]
    public void EachRendersAUserTurn(string name, string expected)
    {
        Assert.Equal(expected, ChatTemplate.FromBuiltIn(name, "<s>", "</s>").Render([new ChatMessage("user", "Hi")], addGenerationPrompt: true));
    }

    [Fact]
    public void TextIsVerbatimWithoutAByteOrderMark()
    {
        foreach (var name in BuiltInChatTemplates.Names)
        {
            var text = BuiltInChatTemplates.Get(name);
            Assert.False(text.StartsWith('\uFEFF'), name);
            Assert.DoesNotContain('\r', text);
        }
        Assert.EndsWith("{%- endif %}\n", BuiltInChatTemplates.Get("llama3.1"));
        Assert.EndsWith("{% endfor %}", BuiltInChatTemplates.Get("zephyr"));
    }

    [Fact]
    public void EngineListsItsFiltersAndTests()
    {
        Assert.Subset(JinjaTemplate.FilterNames.ToHashSet(), new HashSet<string> { "trim", "tojson", "length", "selectattr", "map", "default", "d", "e", "escape", "indent" });
        Assert.Subset(JinjaTemplate.TestNames.ToHashSet(), new HashSet<string> { "defined", "undefined", "none", "string", "mapping", "equalto", "==", "in" });
        Assert.Equal(JinjaTemplate.FilterNames.Order(StringComparer.Ordinal), JinjaTemplate.FilterNames);
    }
}
