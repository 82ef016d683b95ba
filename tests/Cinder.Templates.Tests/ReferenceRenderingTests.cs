using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Cinder.Templates.Tests;

/// <summary>
/// The real templates of Llama 2, Llama 3 / 3.1, Mistral, ChatML / Qwen2.5, Phi-3, Gemma and Zephyr, rendered by
/// Cinder and compared byte for byte with @huggingface/jinja's renderings; where the reference raised (role
/// alternation, system role), Cinder must raise <see cref="TemplateRaisedException"/> with the same message.
/// </summary>
public sealed class ReferenceRenderingTests
{
    private static readonly ConcurrentDictionary<string, ChatTemplate> Templates = new();

    /// <summary>
    /// Where the reference itself departs from Python's Jinja2, which transformers renders with, Cinder follows
    /// Python. @huggingface/jinja 0.5.11 evaluates <c>'' != false</c> as JavaScript would (false); in Python
    /// <c>'' != False</c> is True, so Llama 2 with an empty system message emits an empty &lt;&lt;SYS&gt;&gt; block.
    /// The expected text is Jinja2 3.1.6's rendering (same environment as transformers).
    /// </summary>
    private static readonly Dictionary<string, string> PythonJinjaWhereReferenceDiffers = new()
    {
        ["llama2/empty-system"] = "<s>[INST] <<SYS>>\n\n<</SYS>>\n\nNo system prompt really. [/INST]",
    };

    public static TheoryData<int, string> CaseIds()
    {
        var data = new TheoryData<int, string>();
        var index = 0;
        foreach (var c in ReferenceFixture.Cases.EnumerateArray())
        {
            var label = $"{c.GetProperty("template").GetString()} / {c.GetProperty("conversation").GetString()}"
                + $" / add_generation_prompt={c.GetProperty("add_generation_prompt").GetBoolean()}"
                + (c.TryGetProperty("extra", out _) ? " / extra" : "");
            data.Add(index++, label);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void MatchesReferenceRendering(int index, string label)
    {
        var c = ReferenceFixture.Cases[index];
        var name = c.GetProperty("template").GetString()!;
        var template = Templates.GetOrAdd(name, n => ChatTemplate.FromBuiltIn(n, ReferenceFixture.Token(n, "bos_token"), ReferenceFixture.Token(n, "eos_token")));
        var messages = ReferenceFixture.Conversation(c.GetProperty("conversation").GetString()!);
        var addGenerationPrompt = c.GetProperty("add_generation_prompt").GetBoolean();
        Dictionary<string, object?>? extra = null;
        if (c.TryGetProperty("extra", out var extraJson))
        {
            extra = extraJson.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
        }

        if (c.TryGetProperty("error", out var error))
        {
            var e = Assert.Throws<TemplateRaisedException>(() => template.Render(messages, addGenerationPrompt, extra));
            Assert.Equal(error.GetString(), e.Problem);
            Assert.True(e.Line > 0, label);
        }
        else if (PythonJinjaWhereReferenceDiffers.TryGetValue($"{name}/{c.GetProperty("conversation").GetString()}", out var python))
        {
            // If a newer reference agrees with Python, this override is no longer needed.
            Assert.NotEqual(python, c.GetProperty("output").GetString());
            Assert.Equal(python, template.Render(messages, addGenerationPrompt, extra));
        }
        else
        {
            Assert.Equal(c.GetProperty("output").GetString(), template.Render(messages, addGenerationPrompt, extra));
        }
    }

    [Fact]
    public void FixtureWasMadeFromTheShippedTemplateText()
    {
        // A built-in edited without regenerating the fixture would make the comparison meaningless.
        foreach (var template in ReferenceFixture.Templates.EnumerateObject())
        {
            var text = BuiltInChatTemplates.Get(template.Name);
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
            Assert.True(hash == template.Value.GetProperty("sha256").GetString(),
                $"built-in '{template.Name}' differs from the text the fixture was rendered from; run reference/render.mjs (see reference/README.md)");
        }
    }

    [Fact]
    public void FixtureCoversEveryBuiltInAndBothOutcomes()
    {
        var covered = ReferenceFixture.Templates.EnumerateObject().Select(t => t.Name).Order().ToList();
        Assert.Equal(BuiltInChatTemplates.Names.Order(), covered);
        Assert.StartsWith("@huggingface/jinja ", ReferenceFixture.Generator);
        var cases = ReferenceFixture.Cases.EnumerateArray().ToList();
        Assert.Contains(cases, c => c.TryGetProperty("error", out _) && c.GetProperty("template").GetString() == "gemma");
        Assert.Contains(cases, c => c.TryGetProperty("error", out _) && c.GetProperty("template").GetString() == "mistral");
        Assert.All(covered, name => Assert.Contains(cases, c => c.GetProperty("template").GetString() == name && c.TryGetProperty("output", out _)));
    }
}
