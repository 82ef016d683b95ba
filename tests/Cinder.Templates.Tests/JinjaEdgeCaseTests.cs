using Cinder.Core;

namespace Cinder.Templates.Tests;

/// <summary>Corners found by differential fuzzing against Jinja2 3.1.6 (transformers' environment); expected values are Jinja2's.</summary>
public sealed class JinjaEdgeCaseTests
{
    private static readonly Dictionary<string, object?> Vars = new() { ["l"] = new[] { 3, 1, 2 }, ["n"] = 5 };

    [Fact]
    public void PythonSemanticsInCorners()
    {
        Assert.Equal("True|True|[]|[]|3|(1, 'x', 1, 'x')|(1, 1)|False|False|True|False", JinjaTemplate.Parse(
            "{{ true is odd }}|{{ 2.0 is even }}|{{ false|map(\"string\")|list }}|{{ 0|select|list }}|{{ \"-0.5 a_b\"|wordcount }}"
            + "|{{ (1, \"x\") * 2 }}|{{ 2 * (1,) }}|{{ \"x\" in {} }}|{{ missing in {} }}|{{ (1,) in {(1,): 2} }}|{{ (1, 2) is lower }}").Render(Vars));
    }

    [Theory]
    [InlineData("{% set x = 1 %}{% set y %}{% set x = 2 %}{{ x }}{% endset %}{{ x }}{{ y }}", "12")]
    [InlineData("{% set x = 1 %}{% filter upper %}{% set x = 2 %}a{{ x }}{% endfilter %}{{ x }}", "A21")]
    [InlineData("{% for i in [1,2,3] %}{% set s %}{{ i }}{% if i == 2 %}{% break %}{% endif %}{% endset %}{{ s }}{% else %}E{% endfor %}", "1")]
    [InlineData("{% for i in [1,2] %}{% continue %}{% else %}E{% endfor %}|{% for i in [1,2] %}{% if i == 2 %}{% break %}{% endif %}{% else %}E{% endfor %}|{% for i in [1] %}{% break %}{% else %}E{% endfor %}", "E||E")]
    public void BlockScopesAndLoopControlAsJinjaCompilesThem(string template, string expected)
    {
        Assert.Equal(expected, JinjaTemplate.Parse(template).Render(Vars));
    }

    [Theory]
    [InlineData("{{ l in {} }}", "unhashable type: 'list'")]
    [InlineData("{{ missing|int }}", "filter 'int': 'missing' is undefined")]
    [InlineData("{{ missing|float }}", "filter 'float': 'missing' is undefined")]
    [InlineData("{{ n|indent }}", "filter 'indent': indent needs a string, not 'int'")]
    [InlineData("{{ n[1:] }}", "'int' object is not subscriptable")]
    public void ErrorsWhereJinjaErrors(string template, string problem)
    {
        var e = Assert.Throws<TemplateException>(() => JinjaTemplate.Parse(template).Render(Vars));
        Assert.Equal(problem, e.Problem);
    }
}
