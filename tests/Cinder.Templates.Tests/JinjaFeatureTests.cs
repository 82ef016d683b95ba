namespace Cinder.Templates.Tests;

/// <summary>
/// One theory per construct of the supported Jinja subset. The expected strings are what Python's Jinja2 3.1 renders
/// with the environment transformers uses for chat templates (ImmutableSandboxedEnvironment, trim_blocks,
/// lstrip_blocks, loopcontrols, transformers' tojson), over the variables in <see cref="Vars"/>.
/// </summary>
public sealed class JinjaFeatureTests
{
    private static Dictionary<string, object?> Message(string role, string content) => new() { ["role"] = role, ["content"] = content };

    private static Dictionary<string, object?> Vars() => new()
    {
        ["messages"] = new List<object?> { Message("system", "Be brief."), Message("user", " Hi there "), Message("assistant", "Hello!") },
        ["user"] = new Dictionary<string, object?> { ["name"] = "ada", ["tags"] = new[] { "x", "y" }, ["age"] = 36 },
        ["items"] = new List<object?>
        {
            new Dictionary<string, object?> { ["name"] = "b", ["n"] = 2 },
            new Dictionary<string, object?> { ["name"] = "a", ["n"] = 1 },
            new Dictionary<string, object?> { ["name"] = "c", ["n"] = 3 },
        },
        ["text"] = "Hello, World",
        ["n"] = 7,
        ["f"] = 2.5,
        ["flag"] = true,
        ["nothing"] = null,
        ["empty"] = "",
    };

    private static void Check(string template, string expected) =>
        Assert.Equal(expected, JinjaTemplate.Parse(template).Render(Vars()));

    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("{{ text }}", "Hello, World")]
    [InlineData("{{ n }}|{{ f }}|{{ flag }}|{{ nothing }}", "7|2.5|True|None")]
    [InlineData("{{ 1.0 }}|{{ 1e16 }}|{{ 0.00001 }}|{{ 0.1 + 0.2 }}", "1.0|1e+16|1e-05|0.30000000000000004")]
    [InlineData("{{ [1, 'a', none, true] }}|{{ {'k': 'v'} }}|{{ (1,) }}", "[1, 'a', None, True]|{'k': 'v'}|(1,)")]
    [InlineData("{{ 'it''s' }}", "its")]
    [InlineData("{{ \"a\\tb\\n\" }}|{{ 'caf\\u00e9' }}", "a\tb\n|café")]
    public void Output(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("a{# ignored #}b", "ab")]
    [InlineData("a\n{# own line #}\nb", "a\nb")]
    [InlineData("a {#- tight -#} b", "ab")]
    public void Comments(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("a  {{- 'b' -}}  c", "abc")]
    [InlineData("a\n  {%- if true %}b{% endif %}", "ab")]
    [InlineData("{% if true -%}\n   b\n{%- endif %}", "b")]
    [InlineData("x\n  {% if true %}\n  y\n  {% endif %}\nz", "x\n  y\nz")]
    [InlineData("{% for i in [1, 2] %}\n{{ i }}\n{% endfor %}", "1\n2\n")]
    [InlineData("  {% set a = 1 %}{{ a }}", "1")]
    [InlineData("t\n{%+ if true %}u{% endif %}", "t\nu")]
    [InlineData("a {% if true %} b {% endif %} c", "a  b  c")]
    [InlineData("{{ 'v' }}\n{{ 'w' }}", "v\nw")]
    [InlineData("{% raw %}{{ kept }} {% if %}{% endraw %}", "{{ kept }} {% if %}")]
    [InlineData("line\n", "line")]
    public void WhitespaceControl(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("{% if n > 5 %}big{% endif %}", "big")]
    [InlineData("{% if n > 10 %}a{% elif n > 5 %}b{% else %}c{% endif %}", "b")]
    [InlineData("{% if nothing %}a{% else %}b{% endif %}", "b")]
    [InlineData("{% if empty %}a{% elif missing %}b{% else %}c{% endif %}", "c")]
    [InlineData("{% if user.tags %}has{% endif %}", "has")]
    [InlineData("{% if [] %}a{% else %}b{% endif %}", "b")]
    public void If(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("{% for m in messages %}{{ m.role }},{% endfor %}", "system,user,assistant,")]
    [InlineData("{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}{{ loop.revindex0 }};{% endfor %}", "10TrueFalse332;21FalseFalse321;32FalseTrue310;")]
    [InlineData("{% for x in [] %}a{% else %}none{% endfor %}", "none")]
    [InlineData("{% for k, v in user.items() %}{{ k }}={{ v }};{% endfor %}", "name=ada;tags=['x', 'y'];age=36;")]
    [InlineData("{% for k in user %}{{ k }};{% endfor %}", "name;tags;age;")]
    [InlineData("{% for k, v in user|items %}{{ k }};{% endfor %}", "name;tags;age;")]
    [InlineData("{% for c in 'abc' %}{{ c }}-{% endfor %}", "a-b-c-")]
    [InlineData("{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}", "147")]
    [InlineData("{% for i in range(10) if i is even %}{{ i }}/{{ loop.length }} {% endfor %}", "0/5 2/5 4/5 6/5 8/5 ")]
    [InlineData("{% for i in range(10) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}", "023")]
    [InlineData("{% for a, b in [[1, 2], [3, 4]] %}{{ a * b }};{% endfor %}", "2;12;")]
    [InlineData("{% for i in [1, 2] %}{% for j in 'ab' %}{{ loop.index }}{{ j }}{% endfor %}{{ loop.index }};{% endfor %}", "1a2b1;1a2b2;")]
    [InlineData("{% for i in [1, 2, 3] %}{{ loop.previtem }}<{{ i }}>{{ loop.nextitem }} {{ loop.cycle('odd', 'even') }};{% endfor %}", "<1>2 odd;1<2>3 even;2<3> odd;")]
    [InlineData("{% for m in messages[1:] %}{{ m.content }}{% endfor %}", " Hi there Hello!")]
    [InlineData("{% for m in messages|reverse %}{{ m.role[0] }}{% endfor %}", "aus")]
    public void For(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("{% set x = 1 %}{% set y = x + 1 %}{{ y }}", "2")]
    [InlineData("{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12")]
    [InlineData("{% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }}", "21")]
    [InlineData("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}", "2")]
    [InlineData("{% set block %}  <{{ n }}>  {% endset %}[{{ block }}]", "[  <7>  ]")]
    [InlineData("{% set block | trim | upper %}  ab  {% endset %}[{{ block }}]", "[AB]")]
    [InlineData("{% set ns = namespace(count=0, found=false) %}{% for m in messages %}{% set ns.count = ns.count + 1 %}{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}{% endfor %}{{ ns.count }}{{ ns.found }}", "3True")]
    [InlineData("{% set ns = namespace() %}{% set ns.x = 'late' %}{{ ns.x }}", "late")]
    [InlineData("{% set messages = messages[1:] %}{{ messages|length }}", "2")]
    public void Set(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ada') }} {{ greet('Bob', greeting='Hi') }} {{ greet('Cy', 'Yo') }}", "Hello, Ada! Hi, Bob! Yo, Cy!")]
    [InlineData("{% macro f(a) %}[{{ a }}]{% endmacro %}{{ f() }}", "[]")]
    [InlineData("{% macro f() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, k=3) }}", "(1, 2){'k': 3}")]
    [InlineData("{% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body{% endcall %}", "<body>")]
    [InlineData("{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(v) each([1, 2]) %}({{ v }}){% endcall %}", "(1)(2)")]
    [InlineData("{% macro fact(k) %}{% if k <= 1 %}1{% else %}{{ k * fact(k - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }}", "120")]
    [InlineData("{% macro show() %}{{ n }}{% endmacro %}{% set n = 99 %}{{ show() }}", "99")]
    public void Macros(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("{{ '  pad  '|trim }}|{{ 'xxhixx'|trim('x') }}", "pad|hi")]
    [InlineData("{{ user|tojson }}", "{\"name\": \"ada\", \"tags\": [\"x\", \"y\"], \"age\": 36}")]
    [InlineData("{{ user|tojson(indent=2) }}", "{\n  \"name\": \"ada\",\n  \"tags\": [\n    \"x\",\n    \"y\"\n  ],\n  \"age\": 36\n}")]
    [InlineData("{{ {'b': 1, 'a': [1, 2.5, none, true]}|tojson(sort_keys=true) }}", "{\"a\": [1, 2.5, null, true], \"b\": 1}")]
    [InlineData("{{ 'é\"\\\\\\n'|tojson }}|{{ 'é'|tojson(ensure_ascii=true) }}", "\"é\\\"\\\\\\n\"|\"\\u00e9\"")]
    [InlineData("{{ [1, 2]|tojson(separators=(',', ':')) }}", "[1,2]")]
    [InlineData("{{ messages|length }}|{{ text|length }}|{{ user|count }}|{{ missing|length }}", "3|12|3|0")]
    [InlineData("{{ text|upper }}|{{ text|lower }}|{{ 'hello wORLD'|title }}|{{ 'hello wORLD'|capitalize }}", "HELLO, WORLD|hello, world|Hello World|Hello world")]
    [InlineData("{{ text|replace('o', '0') }}|{{ text|replace('l', 'L', 2) }}", "Hell0, W0rld|HeLLo, World")]
    [InlineData("{{ user.tags|join }}|{{ user.tags|join(', ') }}|{{ items|join('/', attribute='name') }}", "xy|x, y|b/a/c")]
    [InlineData("{{ missing|default('dflt') }}|{{ empty|default('dflt') }}|{{ empty|default('dflt', true) }}|{{ nothing|d('x') }}", "dflt||dflt|None")]
    [InlineData("{{ items|first }}|{{ items|last }}|{{ text|first }}|{{ []|first is defined }}", "{'name': 'b', 'n': 2}|{'name': 'c', 'n': 3}|H|False")]
    [InlineData("{{ text|list|length }}|{{ user|list }}|{{ range(3)|list }}", "12|['name', 'tags', 'age']|[0, 1, 2]")]
    [InlineData("{{ n|string ~ '!' }}|{{ '42'|int + 1 }}|{{ '4.7'|int }}|{{ 'x'|int }}|{{ 'x'|int(-1) }}|{{ '0x1f'|int(base=16) }}|{{ '2.5'|float * 2 }}|{{ 'x'|float }}|{{ -n|abs }}|{{ -2.5|abs }}", "7!|43|4|0|-1|31|5.0|0.0|7|2.5")]
    [InlineData("{{ 2.5|round }}|{{ 3.5|round }}|{{ 2.675|round(2) }}|{{ 3.14159|round(3) }}|{{ 7|round }}|{{ 2.1|round(method='ceil') }}|{{ 2.9|round(0, 'floor') }}", "2.0|4.0|2.67|3.142|7|3.0|2.0")]
    [InlineData("{{ user|items|list }}", "[('name', 'ada'), ('tags', ['x', 'y']), ('age', 36)]")]
    [InlineData("{{ items|selectattr('n', 'gt', 1)|map(attribute='name')|list }}|{{ items|rejectattr('name', 'equalto', 'a')|map(attribute='n')|list }}|{{ messages|selectattr('role', '==', 'user')|list|length }}", "['b', 'c']|[2, 3]|1")]
    [InlineData("{{ items|map(attribute='missing', default='-')|list }}|{{ ['a', 'B']|map('upper')|list }}|{{ [0, 1, '', 'x']|select|list }}|{{ [1, 2, 3, 4]|reject('odd')|list }}", "['-', '-', '-']|['A', 'B']|[1, 'x']|[2, 4]")]
    [InlineData("{{ ['b', 'A', 'a', 'B']|unique|list }}|{{ ['b', 'A', 'a', 'B']|unique(case_sensitive=true)|list }}|{{ items|unique(attribute='n')|list|length }}", "['b', 'A']|['b', 'A', 'a', 'B']|3")]
    [InlineData("{{ [3, 1, 2]|reverse|list }}|{{ 'abc'|reverse }}", "[2, 1, 3]|cba")]
    [InlineData("{{ ['b', 'C', 'a']|sort }}|{{ ['b', 'C', 'a']|sort(case_sensitive=true) }}|{{ [3, 1, 2]|sort(reverse=true) }}|{{ items|sort(attribute='n')|map(attribute='name')|join }}", "['a', 'b', 'C']|['C', 'a', 'b']|[3, 2, 1]|abc")]
    [InlineData("{{ '<b>&amp;\"\\''|e }}|{{ '<i>'|escape }}|{{ '<i>'|safe }}", "&lt;b&gt;&amp;amp;&#34;&#39;|&lt;i&gt;|<i>")]
    [InlineData("{{ 'a\\nb\\n\\nc'|indent }}|{{ 'a\\nb'|indent(2, true) }}|{{ 'a\\n\\nb'|indent(width=1, blank=true) }}", "a\n    b\n\n    c|  a\n  b|a\n \n b")]
    [InlineData("{{ user|dictsort }}|{{ [1, 2, 3]|sum }}|{{ items|sum(attribute='n') }}|{{ [3, 9, 4]|max }}|{{ ['b', 'A']|min }}|{{ 'one two  three'|wordcount }}|{{ 'ab'|center(6) }}|{{ user|attr('name') }}", "[('age', 36), ('name', 'ada'), ('tags', ['x', 'y'])]|6|6|9|A|3|  ab  |")]
    [InlineData("{% filter upper %}shout {{ text }}{% endfilter %}", "SHOUT HELLO, WORLD")]
    public void Filters(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("{{ n is defined }}{{ missing is defined }}{{ missing is undefined }}{{ nothing is none }}{{ n is not none }}", "TrueFalseTrueTrueTrue")]
    [InlineData("{{ text is string }}{{ n is string }}{{ n is number }}{{ f is number }}{{ flag is number }}{{ n is integer }}{{ f is float }}", "TrueFalseTrueTrueTrueTrueTrue")]
    [InlineData("{{ user is mapping }}{{ items is mapping }}{{ items is iterable }}{{ text is iterable }}{{ n is iterable }}{{ items is sequence }}{{ n is sequence }}", "TrueFalseTrueTrueFalseTrueFalse")]
    [InlineData("{{ flag is boolean }}{{ flag is true }}{{ flag is false }}{{ 1 is true }}{{ n is odd }}{{ n is even }}{{ 21 is divisibleby 7 }}", "TrueTrueFalseFalseTrueFalseTrue")]
    [InlineData("{{ n is equalto 7 }}{{ n is eq(7) }}{{ n is ne 7 }}{{ n is gt 3 }}{{ n is lt 3 }}{{ n is ge 7 }}{{ n is le 6 }}", "TrueTrueFalseTrueFalseTrueFalse")]
    [InlineData("{{ 'a' is in 'cat' }}{{ 2 is in [1, 2] }}{{ 'ab' is lower }}{{ 'AB' is upper }}{{ nothing is sameas none }}{{ range is callable }}", "TrueTrueTrueTrueTrueTrue")]
    public void Tests(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("{{ not flag }}|{{ flag and n }}|{{ nothing or 'fallback' }}|{{ n > 5 and n < 10 }}|{{ not missing }}", "False|7|fallback|True|True")]
    [InlineData("{{ n == 7 }}{{ n != 7 }}{{ n < 8 }}{{ n <= 7 }}{{ n > 8 }}{{ n >= 7 }}{{ 1 < n < 10 }}{{ 1 == 1.0 }}{{ 'a' < 'b' }}{{ [1, 2] < [1, 3] }}", "TrueFalseTrueTrueFalseTrueTrueTrueTrueTrue")]
    [InlineData("{{ 'b' in 'abc' }}{{ 'z' not in 'abc' }}{{ 2 in [1, 2] }}{{ 'name' in user }}{{ 'nope' in user }}{{ 1 in (1, 2) }}", "TrueTrueTrueTrueFalseTrue")]
    [InlineData("{{ n is defined and n is not none }}|{{ not n is defined }}|{{ messages[0] is not mapping }}", "True|False|False")]
    [InlineData("{{ 'a' ~ 1 ~ none ~ missing ~ 2.0 }}", "a1None2.0")]
    [InlineData("{{ 7 + 2 }}|{{ 7 - 2 }}|{{ 7 * 2 }}|{{ 7 / 2 }}|{{ 8 / 2 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|{{ 2 ** 3 ** 2 }}|{{ 2 ** -1 }}", "9|5|14|3.5|4.0|3|-4|1|2|1024|64|0.5")]
    [InlineData("{{ 7.5 // 2 }}|{{ 7.5 % 2 }}|{{ 1 + 2.5 }}|{{ flag + 1 }}|{{ 'ab' + 'cd' }}|{{ 'ab' * 2 }}|{{ [1] + [2] }}|{{ [0] * 3 }}|{{ -n }}|{{ +f }}", "3.0|1.5|3.5|2|abcd|abab|[1, 2]|[0, 0, 0]|-7|2.5")]
    [InlineData("{{ 'yes' if flag else 'no' }}|{{ 'yes' if nothing else 'no' }}|{{ 'only' if flag }}|[{{ 'only' if nothing }}]|{{ 1 if false else 2 if false else 3 }}", "yes|no|only|[]|3")]
    [InlineData("{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 2 * 3 ~ 4 }}|{{ 1 + 1 == 2 }}|{{ not 1 == 2 }}|{{ -2 ** 2 }}|{{ -n|abs }}", "7|9|64|True|True|4|7")]
    [InlineData("{{ 'x' ~ messages[1].content|trim ~ 'y' }}|{{ 'Role: ' + messages[0]['role']|upper }}", "xHi therey|Role: SYSTEM")]
    public void Operators(string template, string expected) => Check(template, expected);

    [Theory]
    [InlineData("{{ messages[1].content.strip() }}|{{ ' x '.lstrip() }}|{{ ' x '.rstrip() }}|{{ '--x--'.strip('-') }}", "Hi there|x | x|x")]
    [InlineData("{{ text.split(', ') }}|{{ 'a b  c'.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ 'l1\\nl2'.splitlines() }}", "['Hello', 'World']|['a', 'b', 'c']|['a', 'b,c']|['a,b', 'c']|['l1', 'l2']")]
    [InlineData("{{ text.startswith('Hell') }}{{ text.endswith('x') }}{{ text.endswith(('x', 'ld')) }}|{{ text.upper() }}|{{ text.lower() }}|{{ \"it's\".title() }}|{{ 'hELLO'.capitalize() }}", "TrueFalseTrue|HELLO, WORLD|hello, world|It'S|Hello")]
    [InlineData("{{ text.replace('l', '') }}|{{ text.find('o') }}|{{ text.find('z') }}|{{ text.count('l') }}|{{ '-'.join(['a', 'b']) }}|{{ '42'.isdigit() }}{{ 'ab'.isalpha() }}{{ ' '.isspace() }}", "Heo, Word|4|-1|3|a-b|TrueTrueTrue")]
    [InlineData("{{ user.get('name') }}|{{ user.get('zip') }}|{{ user.get('zip', 'none') }}|{{ user.keys()|list }}|{{ user.values()|list|length }}|{{ user.items()|list|first }}", "ada|None|none|['name', 'tags', 'age']|3|('name', 'ada')")]
    [InlineData("{{ user.name }}|{{ user['name'] }}|{{ user.tags[0] }}|{{ user.tags.1 }}|{{ user.missing is defined }}|{{ user['missing'] is defined }}|{{ nothing.attr is defined }}", "ada|ada|x|y|False|False|False")]
    [InlineData("{{ items[-1].name }}|{{ items[5] is defined }}|{{ text[0] }}|{{ text[-1] }}|{{ text[7:] }}|{{ text[:5] }}|{{ text[::-1] }}|{{ text[::3] }}|{{ [1, 2, 3, 4, 5][1:-1:2] }}|{{ [1, 2, 3][::-1] }}|{{ [1, 2, 3][10:] }}", "c|False|H|d|World|Hello|dlroW ,olleH|Hl r|[2, 4]|[3, 2, 1]|[]")]
    [InlineData("{{ [1, [2, 3]] }}|{{ {'a': [1, {'b': none}]} }}|{{ ('x', 2) }}|{{ [] }}|{{ {} }}|{{ 'a' 'b' }}", "[1, [2, 3]]|{'a': [1, {'b': None}]}|('x', 2)|[]|{}|ab")]
    [InlineData("{{ dict(a=1, b=[2]) }}|{{ dict(user)|length }}|{{ namespace(a=1).a }}|{{ range(3) is iterable }}", "{'a': 1, 'b': [2]}|3|1|True")]
    public void MethodsAndLookup(string template, string expected) => Check(template, expected);
}
