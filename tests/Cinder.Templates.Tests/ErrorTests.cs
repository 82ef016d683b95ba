using System.Diagnostics;
using Cinder.Core;

namespace Cinder.Templates.Tests;

/// <summary>Bad templates fail with a typed error that says what and where; hostile ones are cut off by the limits.</summary>
public sealed class ErrorTests
{
    private static TException Fails<TException>(string template, TemplateLimits? limits = null, IReadOnlyDictionary<string, object?>? variables = null)
        where TException : TemplateException =>
        Assert.Throws<TException>(() => JinjaTemplate.Parse(template, limits: limits).Render(variables ?? new Dictionary<string, object?>()));

    [Theory]
    [InlineData("line1\n{% if x %}\n{{ 1 + }}\n{% endif %}", 3, 8, "expected an expression, found '}}'")]
    [InlineData("{{ x | frobnicate }}", 1, 8, "unknown filter 'frobnicate'")]
    [InlineData("{% if x is frob %}{% endif %}", 1, 12, "unknown test 'frob'")]
    [InlineData("{% frob %}", 1, 4, "unknown tag 'frob'")]
    [InlineData("{% include 'other.jinja' %}", 1, 4, "tag 'include' is not supported in chat templates")]
    [InlineData("ab\n  {% if true %}abc", 2, 6, "'if' block is not closed: expected '{% elif %}' or '{% else %}' or '{% endif %}' before the end of the template")]
    [InlineData("text {{ x", 1, 6, "expression is not closed: missing '}}'")]
    [InlineData("{% if x", 1, 1, "block tag is not closed: missing '%}'")]
    [InlineData("{# note", 1, 1, "comment is not closed: missing '#}'")]
    [InlineData("{{ 'abc }}", 1, 4, "string literal is not closed")]
    [InlineData("{% endfor %}", 1, 4, "unknown tag 'endfor'")]
    [InlineData("{% break %}", 1, 4, "'break' is only allowed inside a for loop")]
    [InlineData("{% macro m(a=1, b) %}{% endmacro %}", 1, 17, "parameter 'b' without a default follows one with a default")]
    [InlineData("{{ f(a=1, 2) }}", 1, 11, "positional argument follows keyword argument")]
    [InlineData("{{ 1 ]}}", 1, 6, "unexpected ']'")]
    [InlineData("{{ @ }}", 1, 4, "unexpected character '@'")]
    [InlineData("{% for x in y recursive %}{% endfor %}", 1, 15, "recursive for loops are not supported")]
    public void SyntaxErrorsSayWhatAndWhere(string template, int line, int column, string problem)
    {
        var e = Assert.Throws<TemplateSyntaxException>(() => JinjaTemplate.Parse(template, "custom"));
        Assert.Equal(problem, e.Problem);
        Assert.Equal((line, column), (e.Line, e.Column));
        Assert.Equal($"chat template 'custom' line {line}, column {column}: {problem}", e.Message);
        Assert.IsAssignableFrom<CinderException>(e);
    }

    [Theory]
    [InlineData("{{ 1 + 'a' }}", 1, 6, "unsupported operand type(s) for +: 'int' and 'str'")]
    [InlineData("a\n  {{ x.y }}", 2, 8, "'x' is undefined")]
    [InlineData("{{ x + 1 }}", 1, 6, "'x' is undefined")]
    [InlineData("{{ d.a.b }}", 1, 8, "'dict object' has no attribute 'a'")]
    [InlineData("{% set l = [] %}{{ l.append(1) }}", 1, 22, "'list object' has no attribute 'append'")]
    [InlineData("{{ [1]|map('frob')|list }}", 1, 8, "filter 'map': unknown filter 'frob'")]
    [InlineData("{% for x in 5 %}{% endfor %}", 1, 4, "'int' object is not iterable")]
    [InlineData("{% set x.y = 1 %}", 1, 4, "cannot assign attribute 'y' on 'x': it is not a namespace() object")]
    [InlineData("{{ 1 // 0 }}", 1, 6, "integer division or modulo by zero")]
    [InlineData("{{ 9223372036854775807 + 1 }}", 1, 24, "integer overflow")]
    [InlineData("{{ 1 < 'a' }}", 1, 4, "'<' not supported between instances of 'int' and 'str'")]
    [InlineData("{{ x | tojson }}", 1, 8, "filter 'tojson': Object of type Undefined is not JSON serializable")]
    [InlineData("{{ 'a'.format(1) }}", 1, 8, "'str object' has no attribute 'format'")]
    public void RuntimeErrorsSayWhatAndWhere(string template, int line, int column, string problem)
    {
        var e = Fails<TemplateException>(template, variables: new Dictionary<string, object?> { ["d"] = new Dictionary<string, object?>() });
        Assert.Equal(problem, e.Problem);
        Assert.Equal((line, column), (e.Line, e.Column));
    }

    [Fact]
    public void RaiseExceptionIsTyped()
    {
        var e = Fails<TemplateRaisedException>("ok\n{% if true %}{{ raise_exception('Roles must alternate') }}{% endif %}");
        Assert.Equal("Roles must alternate", e.Problem);
        Assert.Equal((2, 17), (e.Line, e.Column));
        Assert.IsAssignableFrom<TemplateException>(e);
    }

    [Fact]
    public void DeepExpressionNestingIsRefusedNotAStackOverflow()
    {
        var deep = "{{ " + new string('(', 100_000) + "1" + new string(')', 100_000) + " }}";
        var e = Assert.Throws<TemplateLimitException>(() => JinjaTemplate.Parse(deep));
        Assert.Contains("MaxNestingDepth", e.Problem);

        var blocks = string.Concat(Enumerable.Repeat("{% if true %}", 50_000)) + string.Concat(Enumerable.Repeat("{% endif %}", 50_000));
        Assert.Throws<TemplateLimitException>(() => JinjaTemplate.Parse(blocks));
    }

    [Fact]
    public void RaisingTheNestingLimitStillCannotOverflowTheStack()
    {
        var limits = new TemplateLimits { MaxNestingDepth = int.MaxValue, MaxTemplateLength = int.MaxValue };
        var deep = "{{ " + new string('[', 200_000) + new string(']', 200_000) + " }}";
        var e = Assert.Throws<TemplateLimitException>(() => JinjaTemplate.Parse(deep, limits: limits));
        Assert.Contains("nest", e.Problem);
    }

    [Theory]
    [InlineData(" + ", "150000")]
    [InlineData(" and ", "1")]
    [InlineData(" ~ ", null)]
    [InlineData(" if true else ", "1")]
    public void VeryLongOperatorChainsRenderOrFailCleanly(string op, string? expected)
    {
        var count = op.Length > 5 ? 60_000 : 150_000;
        var template = "{{ " + string.Join(op, Enumerable.Repeat("1", count)) + " }}";
        try
        {
            var output = JinjaTemplate.Parse(template).Render(new Dictionary<string, object?>());
            Assert.Equal(expected ?? new string('1', count), output);
        }
        catch (TemplateLimitException e)
        {
            // Left-deep operator chains are evaluated recursively; the stack guard may stop them, but never a crash.
            Assert.Contains("nest", e.Problem);
        }
    }

    [Fact]
    public void NestingWithinTheLimitRenders()
    {
        var depth = 40;
        var template = "{{ " + new string('(', depth) + "1" + string.Concat(Enumerable.Repeat(" + 1)", depth)) + " }}";
        Assert.Equal("41", JinjaTemplate.Parse(template).Render(new Dictionary<string, object?>()));
    }

    [Fact]
    public void HugeLoopIsBoundedByTheWorkLimit()
    {
        var watch = Stopwatch.StartNew();
        var e = Fails<TemplateLimitException>("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}");
        Assert.Contains("MaxIterations", e.Problem);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");

        var small = new TemplateLimits { MaxIterations = 1000 };
        Assert.Equal(string.Concat(Enumerable.Repeat("x", 999)), JinjaTemplate.Parse("{% for i in range(999) %}x{% endfor %}", limits: small).Render(new Dictionary<string, object?>()));
        Fails<TemplateLimitException>("{% for i in range(1001) %}x{% endfor %}", small);
    }

    [Fact]
    public void ExponentialMacroRecursionIsBounded()
    {
        // 2^60 calls without a single loop; a smaller budget than the default keeps the test quick.
        var e = Fails<TemplateLimitException>("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
            new TemplateLimits { MaxIterations = 50_000 });
        Assert.Contains("MaxIterations", e.Problem);
    }

    [Fact]
    public void InfiniteMacroRecursionIsBounded()
    {
        var e = Fails<TemplateLimitException>("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}");
        Assert.Contains("MaxCallDepth", e.Problem);
    }

    [Fact]
    public void OutputIsCapped()
    {
        var limits = new TemplateLimits { MaxOutputLength = 1000 };
        var e = Fails<TemplateLimitException>("{% for i in range(200) %}0123456789{% endfor %}", limits);
        Assert.Contains("MaxOutputLength", e.Problem);
        Assert.Equal(1000, JinjaTemplate.Parse("{% for i in range(100) %}0123456789{% endfor %}", limits: limits).Render(new Dictionary<string, object?>()).Length);
    }

    [Theory]
    [InlineData("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}")]
    [InlineData("{% set ns = namespace(s='x') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}")]
    [InlineData("{{ 'x' * 10000000000 }}")]
    [InlineData("{% set s %}{% for i in range(100000) %}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}{% endset %}")]
    [InlineData("{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}")]
    [InlineData("{{ range(1000000000)|list|length }}")]
    [InlineData("{{ ('x' * 1000000)|replace('x', 'yyyyyyyyyy') }}")]
    public void MemoryBombsAreRefused(string template)
    {
        var limits = new TemplateLimits { MaxOutputLength = 1 << 20 };
        Fails<TemplateLimitException>(template, limits);
    }

    [Fact]
    public void TemplateLengthIsCapped()
    {
        var e = Assert.Throws<TemplateLimitException>(() => JinjaTemplate.Parse(new string('a', 101), limits: new TemplateLimits { MaxTemplateLength = 100 }));
        Assert.Contains("MaxTemplateLength", e.Problem);
    }

    [Fact]
    public void UnsupportedDataIsRefusedNotReflected()
    {
        var template = JinjaTemplate.Parse("{{ x }}");
        var e = Assert.Throws<ArgumentException>(() => template.Render(new Dictionary<string, object?> { ["x"] = new Uri("https://example.com/") }));
        Assert.Contains("System.Uri", e.Message);
    }
}
