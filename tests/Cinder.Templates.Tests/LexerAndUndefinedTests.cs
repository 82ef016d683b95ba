using Cinder.Core;

namespace Cinder.Templates.Tests;

/// <summary>Source handling (newlines, literals), Jinja's default Undefined, and transformers' extra tags. Expected values are Jinja2 3.1.6's.</summary>
public sealed class LexerAndUndefinedTests
{
    private static string Render(string template) => JinjaTemplate.Parse(template).Render(new Dictionary<string, object?>());

    [Fact]
    public void TemplateNewlinesAreNormalizedButDataIsNot()
    {
        Assert.Equal("x\ny\n", Render("x\r\n{% if true %}\r\ny\r\n{% endif %}\r\n"));
        // Newlines inside a literal in the template are normalized too, as Jinja's lexer does.
        Assert.Equal("x\n  a\nb\nz", Render("x\r\n  {{ \"a\r\nb\" }}\rz\n"));
        var data = new Dictionary<string, object?> { ["s"] = "a\r\nb" };
        Assert.Equal("a\r\nb", JinjaTemplate.Parse("{{ s }}").Render(data));
    }

    [Fact]
    public void NumberAndStringLiterals()
    {
        Assert.Equal("31|15|5|1000|1500.0|0.02|AA\U0001F600|a\\qb",
            Render("{{ 0x1F }}|{{ 0o17 }}|{{ 0b101 }}|{{ 1_000 }}|{{ 1.5e3 }}|{{ 2E-2 }}|{{ \"\\x41\\101\\U0001F600\" }}|{{ \"a\\qb\" }}"));
    }

    [Fact]
    public void RoundWithNegativePrecision()
    {
        Assert.Equal("1200|1400|-1200|1230.0|0", Render("{{ 1250|round(-2) }}|{{ 1350|round(-2) }}|{{ -1250|round(-2) }}|{{ 1234.5|round(-1) }}|{{ 5|round(-3) }}"));
    }

    [Fact]
    public void LoopDepthCountsOnlyRecursiveLoops()
    {
        Assert.Equal("101", Render("{% for a in [1] %}{% for b in [2] %}{{ loop.depth }}{{ loop.depth0 }}{% endfor %}{{ loop.depth }}{% endfor %}"));
    }

    [Fact]
    public void WithBlockScopesItsVariables()
    {
        Assert.Equal("12[]", Render("{% with a = 1, b = 2 %}{{ a }}{{ b }}{% endwith %}[{{ a }}]"));
    }

    [Fact]
    public void GenerationTagOfTransformersRendersItsBody()
    {
        // transformers' AssistantTracker extension marks assistant text with {% generation %}; it renders as is.
        Assert.Equal("a gen 1b", Render("a{% generation %} gen {{ 1 }}{% endgeneration %}b"));
        Assert.Equal("ab", Render("a\n{%- generation -%}\n{%- endgeneration %}b"));
    }

    [Fact]
    public void UndefinedPrintsEmptyIsFalsyAndIteratesEmpty()
    {
        Assert.Equal("|False|True|empty|0|d|False|a||False|[]|[]||[]",
            Render("{{ x }}|{{ x is defined }}|{{ not x }}|{% for i in x %}no{% else %}empty{% endfor %}|{{ x|length }}|{{ x|default('d') }}|{{ x == none }}|{{ x ~ 'a' }}|{{ x|string }}|{{ 'k' in x }}|{{ x|list }}|{{ x|items|list }}|{{ x|trim }}|[{{ x if false }}]"));
        Assert.Equal("", Render("{{ x|first }}"));
        Assert.Equal("False", Render("{{ {\"a\": 1}.a.b is defined }}"));
    }

    [Theory]
    [InlineData("{{ x[0] }}", 5)]
    [InlineData("{{ x() }}", 4)]
    [InlineData("{{ -x }}", 4)]
    [InlineData("{{ x.attr }}", 6)]
    [InlineData("{{ x + 'a' }}", 6)]
    public void UsingUndefinedFailsWhereJinjaFails(string template, int column)
    {
        var e = Assert.Throws<TemplateException>(() => Render(template));
        Assert.Equal("'x' is undefined", e.Problem);
        Assert.Equal((1, column), (e.Line, e.Column));
    }
}
