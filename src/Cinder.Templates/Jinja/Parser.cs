using System.Globalization;

namespace Cinder.Templates.Jinja;

/// <summary>
/// Recursive-descent parser for the Jinja subset chat templates use, with Jinja's operator precedence
/// (condexpr &lt; or &lt; and &lt; not &lt; comparisons &lt; + - &lt; ~ &lt; * / // % &lt; ** &lt; unary &lt; filters/tests &lt; postfix).
/// Unknown tags, filters and tests are rejected here, with their position, rather than at render time.
/// </summary>
internal sealed class Parser
{
    private static readonly HashSet<string> UnsupportedTags =
        ["extends", "block", "include", "import", "from", "do", "autoescape", "trans", "pluralize"];

    private readonly List<Token> _tokens;
    private readonly SourceMap _map;
    private readonly string? _name;
    private readonly int _maxDepth;
    private int _index;
    private int _depth;
    private int _loopDepth;

    private Parser(List<Token> tokens, SourceMap map, string? name, int maxDepth)
    {
        _tokens = tokens;
        _map = map;
        _name = name;
        _maxDepth = maxDepth;
    }

    public static List<Stmt> Parse(List<Token> tokens, SourceMap map, string? name, int maxDepth)
    {
        var parser = new Parser(tokens, map, name, maxDepth);
        var body = parser.ParseBody(out var end);
        if (end is not null) throw parser.Error($"unexpected '{{% {end} %}}': no block is open", parser.Current.Offset);
        return body;
    }

    private Token Current => _tokens[_index];

    private Token Peek(int ahead = 1) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    private Token Next() => _tokens[_index++];

    private TemplateSyntaxException Error(string problem, int offset)
    {
        var (line, column) = _map.Locate(offset);
        return new TemplateSyntaxException(problem, line, column, _name);
    }

    private TemplateSyntaxException Unexpected(string expected) =>
        Error($"expected {expected}, found {Current.Describe()}", Current.Offset);

    private void ExpectOp(string op)
    {
        if (!Current.IsOp(op)) throw Unexpected($"'{op}'");
        _index++;
    }

    private string ExpectName()
    {
        if (Current.Kind != TokenKind.Name) throw Unexpected("a name");
        return Next().Value;
    }

    private void ExpectBlockEnd(string tag)
    {
        if (Current.Kind != TokenKind.BlockEnd) throw Error($"expected '%}}' to end '{tag}', found {Current.Describe()}", Current.Offset);
        _index++;
    }

    private void Enter(int offset)
    {
        // The explicit limit keeps errors deterministic; the stack check protects a caller who raised the limit.
        if (++_depth > _maxDepth || !System.Runtime.CompilerServices.RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            var (line, column) = _map.Locate(offset);
            throw new TemplateLimitException($"template nests deeper than {_maxDepth} (TemplateLimits.MaxNestingDepth)", line, column, _name);
        }
    }

    private void Leave() => _depth--;

    // ---- statements ----

    /// <summary>Parses until end of input or a block tag this level does not own; returns that tag's name in <paramref name="end"/>.</summary>
    private List<Stmt> ParseBody(out string? end, params string[] terminators)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.Eof:
                    end = null;
                    return body;
                case TokenKind.Text:
                    _index++;
                    body.Add(new TextStmt(token.Offset, token.Value));
                    break;
                case TokenKind.VarBegin:
                {
                    _index++;
                    var expr = ParseTuple(withCondExpr: true);
                    if (Current.Kind != TokenKind.VarEnd) throw Unexpected("'}}'");
                    _index++;
                    body.Add(new OutputStmt(token.Offset, expr));
                    break;
                }
                case TokenKind.BlockBegin:
                {
                    var tag = Peek();
                    if (tag.Kind != TokenKind.Name) throw Error($"expected a tag name after '{{%', found {tag.Describe()}", tag.Offset);
                    if (Array.IndexOf(terminators, tag.Value) >= 0)
                    {
                        _index += 2;
                        end = tag.Value;
                        return body;
                    }
                    _index += 2;
                    body.Add(ParseStatement(tag));
                    break;
                }
                default:
                    throw Error($"unexpected {token.Describe()}", token.Offset);
            }
        }
    }

    private List<Stmt> ParseBlockBody(Token opener, string[] terminators, out string end)
    {
        Enter(opener.Offset);
        var body = ParseBody(out var found, terminators);
        Leave();
        if (found is null)
        {
            throw Error($"'{opener.Value}' block is not closed: expected {string.Join(" or ", terminators.Select(t => $"'{{% {t} %}}'"))} before the end of the template", opener.Offset);
        }
        end = found;
        return body;
    }

    private Stmt ParseStatement(Token tag)
    {
        switch (tag.Value)
        {
            case "if": return ParseIf(tag);
            case "for": return ParseFor(tag);
            case "set": return ParseSet(tag);
            case "macro": return ParseMacro(tag);
            case "call": return ParseCallBlock(tag);
            case "filter": return ParseFilterBlock(tag);
            case "with": return ParseWith(tag);
            case "generation":
            {
                ExpectBlockEnd("generation");
                var body = ParseBlockBody(tag, ["endgeneration"], out _);
                ExpectBlockEnd("endgeneration");
                return new PlainBlockStmt(tag.Offset, body);
            }
            case "break" or "continue":
                if (_loopDepth == 0) throw Error($"'{tag.Value}' is only allowed inside a for loop", tag.Offset);
                ExpectBlockEnd(tag.Value);
                return tag.Value == "break" ? new BreakStmt(tag.Offset) : new ContinueStmt(tag.Offset);
            default:
                if (UnsupportedTags.Contains(tag.Value)) throw Error($"tag '{tag.Value}' is not supported in chat templates", tag.Offset);
                throw Error($"unknown tag '{tag.Value}'", tag.Offset);
        }
    }

    private Stmt ParseIf(Token tag)
    {
        var branches = new List<(Expr, List<Stmt>)>();
        List<Stmt>? otherwise = null;
        var test = ParseTuple(withCondExpr: false);
        ExpectBlockEnd("if");
        while (true)
        {
            var body = ParseBlockBody(tag, ["elif", "else", "endif"], out var end);
            if (end == "elif")
            {
                branches.Add((test, body));
                test = ParseTuple(withCondExpr: false);
                ExpectBlockEnd("elif");
                continue;
            }
            branches.Add((test, body));
            if (end == "else")
            {
                ExpectBlockEnd("else");
                otherwise = ParseBlockBody(tag, ["endif"], out _);
            }
            ExpectBlockEnd("endif");
            return new IfStmt(tag.Offset, branches, otherwise);
        }
    }

    private Stmt ParseFor(Token tag)
    {
        var target = ParseAssignTarget(allowNamespace: false);
        if (!Current.IsName("in")) throw Unexpected("'in'");
        _index++;
        var iterable = ParseTuple(withCondExpr: false);
        Expr? condition = null;
        if (Current.IsName("if"))
        {
            _index++;
            condition = ParseExpression(withCondExpr: true);
        }
        if (Current.IsName("recursive")) throw Error("recursive for loops are not supported", Current.Offset);
        ExpectBlockEnd("for");
        _loopDepth++;
        var body = ParseBlockBody(tag, ["else", "endfor"], out var end);
        _loopDepth--;
        List<Stmt>? otherwise = null;
        if (end == "else")
        {
            ExpectBlockEnd("else");
            var savedLoops = _loopDepth;
            _loopDepth = 0;
            otherwise = ParseBlockBody(tag, ["endfor"], out _);
            _loopDepth = savedLoops;
        }
        ExpectBlockEnd("endfor");
        return new ForStmt(tag.Offset, target, iterable, condition, body, otherwise);
    }

    private Stmt ParseSet(Token tag)
    {
        var target = ParseAssignTarget(allowNamespace: true);
        if (Current.IsOp("="))
        {
            _index++;
            var value = ParseTuple(withCondExpr: true);
            ExpectBlockEnd("set");
            return new SetStmt(tag.Offset, target, value);
        }
        var filters = ParseFilterChain();
        ExpectBlockEnd("set");
        var body = ParseBlockBody(tag, ["endset"], out _);
        ExpectBlockEnd("endset");
        return new SetBlockStmt(tag.Offset, target, filters, body);
    }

    private List<FilterExpr> ParseFilterChain()
    {
        var filters = new List<FilterExpr>();
        while (Current.IsOp("|"))
        {
            _index++;
            filters.Add(ParseFilterCall(null));
        }
        return filters;
    }

    private Stmt ParseFilterBlock(Token tag)
    {
        var filters = new List<FilterExpr> { ParseFilterCall(null) };
        filters.AddRange(ParseFilterChain());
        ExpectBlockEnd("filter");
        var body = ParseBlockBody(tag, ["endfilter"], out _);
        ExpectBlockEnd("endfilter");
        return new FilterBlockStmt(tag.Offset, filters, body);
    }

    private Stmt ParseWith(Token tag)
    {
        var assignments = new List<(Target, Expr)>();
        while (Current.Kind != TokenKind.BlockEnd)
        {
            if (assignments.Count > 0) ExpectOp(",");
            var target = ParseAssignTarget(allowNamespace: false);
            ExpectOp("=");
            assignments.Add((target, ParseExpression(withCondExpr: true)));
        }
        ExpectBlockEnd("with");
        var body = ParseBlockBody(tag, ["endwith"], out _);
        ExpectBlockEnd("endwith");
        return new WithStmt(tag.Offset, assignments, body);
    }

    private Stmt ParseMacro(Token tag)
    {
        var nameToken = Current;
        var name = ExpectName();
        var parameters = ParseParameters(required: true);
        ExpectBlockEnd("macro");
        var definition = ParseCallableBody(tag, nameToken.Offset, name, parameters, "endmacro");
        return new MacroStmt(tag.Offset, definition);
    }

    private Stmt ParseCallBlock(Token tag)
    {
        var parameters = Current.IsOp("(") ? ParseParameters(required: true) : [];
        var callToken = Current;
        var expr = ParseExpression(withCondExpr: true);
        if (expr is not CallExpr call) throw Error("expected a macro call after 'call'", callToken.Offset);
        ExpectBlockEnd("call");
        var definition = ParseCallableBody(tag, tag.Offset, "caller", parameters, "endcall");
        return new CallBlockStmt(tag.Offset, call, definition);
    }

    private MacroDefinition ParseCallableBody(Token tag, int offset, string name, List<MacroParameter> parameters, string endTag)
    {
        // break/continue cannot cross a macro boundary.
        var savedLoops = _loopDepth;
        _loopDepth = 0;
        var body = ParseBlockBody(tag, [endTag], out _);
        _loopDepth = savedLoops;
        if (Current.Kind == TokenKind.Name) _index++; // {% endmacro name %}
        ExpectBlockEnd(endTag);
        return new MacroDefinition(offset, name, parameters, body);
    }

    private List<MacroParameter> ParseParameters(bool required)
    {
        var parameters = new List<MacroParameter>();
        if (!Current.IsOp("("))
        {
            if (required) throw Unexpected("'('");
            return parameters;
        }
        _index++;
        while (!Current.IsOp(")"))
        {
            if (parameters.Count > 0) ExpectOp(",");
            if (Current.IsOp(")")) break;
            var paramToken = Current;
            var name = ExpectName();
            Expr? defaultValue = null;
            if (Current.IsOp("="))
            {
                _index++;
                defaultValue = ParseExpression(withCondExpr: true);
            }
            else if (parameters.Exists(p => p.Default is not null))
            {
                throw Error($"parameter '{name}' without a default follows one with a default", paramToken.Offset);
            }
            parameters.Add(new MacroParameter(name, defaultValue));
        }
        _index++;
        return parameters;
    }

    private Target ParseAssignTarget(bool allowNamespace)
    {
        var first = ParseSingleTarget(allowNamespace);
        if (!Current.IsOp(",")) return first;
        var items = new List<Target> { first };
        while (Current.IsOp(","))
        {
            _index++;
            if (Current.Kind != TokenKind.Name) break;
            items.Add(ParseSingleTarget(allowNamespace));
        }
        return new TupleTarget(first.Offset, items);
    }

    private Target ParseSingleTarget(bool allowNamespace)
    {
        var token = Current;
        if (token.IsOp("("))
        {
            _index++;
            Enter(token.Offset);
            var inner = ParseAssignTarget(allowNamespace);
            Leave();
            ExpectOp(")");
            return inner;
        }
        var name = ExpectName();
        if (name is "true" or "false" or "none" or "True" or "False" or "None" or "in" or "not" or "and" or "or" or "is" or "if" or "else")
        {
            throw Error($"cannot assign to '{name}'", token.Offset);
        }
        if (allowNamespace && Current.IsOp(".") && Peek().Kind == TokenKind.Name)
        {
            _index++;
            return new NamespaceTarget(token.Offset, name, Next().Value);
        }
        return new NameTarget(token.Offset, name);
    }

    // ---- expressions ----

    private Expr ParseTuple(bool withCondExpr, bool explicitParentheses = false)
    {
        var start = Current.Offset;
        if (explicitParentheses && Current.IsOp(")")) return new TupleExpr(start, []);
        var items = new List<Expr> { ParseExpression(withCondExpr) };
        var isTuple = false;
        while (Current.IsOp(","))
        {
            _index++;
            isTuple = true;
            if (IsTupleEnd()) break;
            items.Add(ParseExpression(withCondExpr));
        }
        return isTuple ? new TupleExpr(start, items) : items[0];
    }

    private bool IsTupleEnd() =>
        Current.Kind is TokenKind.VarEnd or TokenKind.BlockEnd or TokenKind.Eof || Current.IsOp(")") || Current.IsOp("]")
        || (Current.Kind == TokenKind.Name && Current.Value is "in" or "if" or "recursive");

    private Expr ParseExpression(bool withCondExpr)
    {
        Enter(Current.Offset);
        try
        {
            return withCondExpr ? ParseCondExpr() : ParseOr();
        }
        finally
        {
            Leave();
        }
    }

    private Expr ParseCondExpr()
    {
        var expr = ParseOr();
        while (Current.IsName("if"))
        {
            var offset = Next().Offset;
            var test = ParseOr();
            Expr? otherwise = null;
            if (Current.IsName("else"))
            {
                var elseOffset = Next().Offset;
                Enter(elseOffset);
                otherwise = ParseCondExpr();
                Leave();
            }
            expr = new CondExpr(offset, test, expr, otherwise);
        }
        return expr;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var offset = Next().Offset;
            left = new OrExpr(offset, left, ParseAnd());
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var offset = Next().Offset;
            left = new AndExpr(offset, left, ParseNot());
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var offset = Next().Offset;
            Enter(offset);
            var operand = ParseNot();
            Leave();
            return new NotExpr(offset, operand);
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var start = Current.Offset;
        var first = ParseMath1();
        var rest = new List<(string, Expr)>();
        while (true)
        {
            var token = Current;
            if (token.Kind == TokenKind.Operator && token.Value is "==" or "!=" or "<" or "<=" or ">" or ">=")
            {
                _index++;
                rest.Add((token.Value, ParseMath1()));
            }
            else if (token.IsName("in"))
            {
                _index++;
                rest.Add(("in", ParseMath1()));
            }
            else if (token.IsName("not") && Peek().IsName("in"))
            {
                _index += 2;
                rest.Add(("notin", ParseMath1()));
            }
            else
            {
                break;
            }
        }
        return rest.Count == 0 ? first : new CompareExpr(start, first, rest);
    }

    private Expr ParseMath1()
    {
        var left = ParseConcat();
        while (Current.Kind == TokenKind.Operator && Current.Value is "+" or "-")
        {
            var op = Next();
            left = new BinaryExpr(op.Offset, op.Value, left, ParseConcat());
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var start = Current.Offset;
        var first = ParseMath2();
        if (!Current.IsOp("~")) return first;
        var parts = new List<Expr> { first };
        while (Current.IsOp("~"))
        {
            _index++;
            parts.Add(ParseMath2());
        }
        return new ConcatExpr(start, parts);
    }

    private Expr ParseMath2()
    {
        var left = ParsePow();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var op = Next();
            left = new BinaryExpr(op.Offset, op.Value, left, ParsePow());
        }
        return left;
    }

    private Expr ParsePow()
    {
        var left = ParseUnary(withFilter: true);
        while (Current.IsOp("**"))
        {
            var op = Next();
            left = new BinaryExpr(op.Offset, "**", left, ParseUnary(withFilter: true));
        }
        return left;
    }

    private Expr ParseUnary(bool withFilter)
    {
        var token = Current;
        Enter(token.Offset);
        try
        {
            Expr node;
            if (token.IsOp("-") || token.IsOp("+"))
            {
                _index++;
                node = new NegExpr(token.Offset, ParseUnary(withFilter: false), token.Value == "-");
            }
            else
            {
                node = ParsePrimary();
            }
            node = ParsePostfix(node);
            return withFilter ? ParseFilterExpr(node) : node;
        }
        finally
        {
            Leave();
        }
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                _index++;
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpr(token.Offset, true),
                    "false" or "False" => new LiteralExpr(token.Offset, false),
                    "none" or "None" => new LiteralExpr(token.Offset, null),
                    _ => new NameExpr(token.Offset, token.Value),
                };
            case TokenKind.String:
            {
                // Adjacent string literals concatenate, as in Python.
                var text = Next().Value;
                while (Current.Kind == TokenKind.String) text += Next().Value;
                return new LiteralExpr(token.Offset, text);
            }
            case TokenKind.Integer:
                _index++;
                if (!long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var integer))
                {
                    throw Error($"integer literal {token.Value} is too large", token.Offset);
                }
                return new LiteralExpr(token.Offset, integer);
            case TokenKind.Float:
                _index++;
                return new LiteralExpr(token.Offset, double.Parse(token.Value, NumberStyles.Float, CultureInfo.InvariantCulture));
            case TokenKind.Operator when token.Value == "(":
            {
                _index++;
                var inner = ParseTuple(withCondExpr: true, explicitParentheses: true);
                ExpectOp(")");
                return inner;
            }
            case TokenKind.Operator when token.Value == "[":
            {
                _index++;
                var items = new List<Expr>();
                while (!Current.IsOp("]"))
                {
                    if (items.Count > 0) ExpectOp(",");
                    if (Current.IsOp("]")) break;
                    items.Add(ParseExpression(withCondExpr: true));
                }
                _index++;
                return new ListExpr(token.Offset, items);
            }
            case TokenKind.Operator when token.Value == "{":
            {
                _index++;
                var pairs = new List<(Expr, Expr)>();
                while (!Current.IsOp("}"))
                {
                    if (pairs.Count > 0) ExpectOp(",");
                    if (Current.IsOp("}")) break;
                    var key = ParseExpression(withCondExpr: true);
                    ExpectOp(":");
                    pairs.Add((key, ParseExpression(withCondExpr: true)));
                }
                _index++;
                return new DictExpr(token.Offset, pairs);
            }
            default:
                throw Unexpected("an expression");
        }
    }

    private Expr ParsePostfix(Expr node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOp(".") || token.IsOp("["))
            {
                node = ParseSubscript(node);
            }
            else if (token.IsOp("("))
            {
                node = new CallExpr(node.Offset, node, ParseCallArgs());
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseFilterExpr(Expr node)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOp("|"))
            {
                _index++;
                node = ParseFilterCall(node);
            }
            else if (token.IsName("is"))
            {
                _index++;
                node = ParseTest(node, token.Offset);
            }
            else if (token.IsOp("("))
            {
                node = new CallExpr(node.Offset, node, ParseCallArgs());
            }
            else
            {
                return node;
            }
        }
    }

    private Expr ParseSubscript(Expr node)
    {
        var token = Next();
        if (token.Value == ".")
        {
            var attr = Current;
            if (attr.Kind == TokenKind.Name)
            {
                _index++;
                return new GetAttrExpr(attr.Offset, node, attr.Value);
            }
            if (attr.Kind == TokenKind.Integer)
            {
                _index++;
                return new GetItemExpr(attr.Offset, node, new LiteralExpr(attr.Offset, long.Parse(attr.Value, CultureInfo.InvariantCulture)));
            }
            throw Unexpected("an attribute name after '.'");
        }

        // '[' subscript or slice ']'
        Expr? start = null, stop = null, step = null;
        var isSlice = false;
        if (!Current.IsOp(":")) start = ParseExpression(withCondExpr: true);
        if (Current.IsOp(":"))
        {
            isSlice = true;
            _index++;
            if (!Current.IsOp("]") && !Current.IsOp(":")) stop = ParseExpression(withCondExpr: true);
            if (Current.IsOp(":"))
            {
                _index++;
                if (!Current.IsOp("]")) step = ParseExpression(withCondExpr: true);
            }
        }
        else if (Current.IsOp(","))
        {
            var items = new List<Expr> { start! };
            while (Current.IsOp(","))
            {
                _index++;
                if (Current.IsOp("]")) break;
                items.Add(ParseExpression(withCondExpr: true));
            }
            start = new TupleExpr(start!.Offset, items);
        }
        ExpectOp("]");
        return isSlice ? new SliceExpr(token.Offset, node, start, stop, step) : new GetItemExpr(token.Offset, node, start!);
    }

    private List<Arg> ParseCallArgs()
    {
        ExpectOp("(");
        var args = new List<Arg>();
        while (!Current.IsOp(")"))
        {
            if (args.Count > 0) ExpectOp(",");
            if (Current.IsOp(")")) break;
            if (Current.IsOp("**"))
            {
                _index++;
                args.Add(new Arg(ArgKind.DoubleStar, null, ParseExpression(withCondExpr: true)));
            }
            else if (Current.IsOp("*"))
            {
                _index++;
                args.Add(new Arg(ArgKind.Star, null, ParseExpression(withCondExpr: true)));
            }
            else if (Current.Kind == TokenKind.Name && Peek().IsOp("="))
            {
                var name = Next().Value;
                _index++;
                args.Add(new Arg(ArgKind.Named, name, ParseExpression(withCondExpr: true)));
            }
            else
            {
                if (args.Exists(a => a.Kind == ArgKind.Named)) throw Error("positional argument follows keyword argument", Current.Offset);
                args.Add(new Arg(ArgKind.Positional, null, ParseExpression(withCondExpr: true)));
            }
        }
        _index++;
        return args;
    }

    private string ParseDottedName()
    {
        var name = ExpectName();
        while (Current.IsOp(".") && Peek().Kind == TokenKind.Name)
        {
            _index++;
            name += "." + Next().Value;
        }
        return name;
    }

    private FilterExpr ParseFilterCall(Expr? input)
    {
        var token = Current;
        var name = ParseDottedName();
        if (!Filters.Exists(name)) throw Error($"unknown filter '{name}'", token.Offset);
        var args = Current.IsOp("(") ? ParseCallArgs() : [];
        return new FilterExpr(token.Offset, input, name, args);
    }

    private Expr ParseTest(Expr node, int offset)
    {
        var negated = false;
        if (Current.IsName("not"))
        {
            _index++;
            negated = true;
        }
        var token = Current;
        var name = ParseDottedName();
        if (!Tests.Exists(name)) throw Error($"unknown test '{name}'", token.Offset);
        List<Arg> args = [];
        var next = Current;
        if (next.IsOp("("))
        {
            args = ParseCallArgs();
        }
        else if ((next.Kind is TokenKind.Name or TokenKind.String or TokenKind.Integer or TokenKind.Float
                  || next.IsOp("[") || next.IsOp("{") || next.IsOp("-"))
                 && !(next.Kind == TokenKind.Name && next.Value is "else" or "or" or "and" or "if" or "is" or "in" or "not"))
        {
            var arg = ParsePostfix(ParsePrimaryOrNegative());
            args = [new Arg(ArgKind.Positional, null, arg)];
        }
        return new TestExpr(offset, node, name, args, negated);
    }

    private Expr ParsePrimaryOrNegative()
    {
        if (!Current.IsOp("-")) return ParsePrimary();
        var token = Next();
        return new NegExpr(token.Offset, ParsePrimary(), negative: true);
    }
}
