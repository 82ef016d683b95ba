namespace Cinder.Core.Tests;

/// <summary>The typed errors say what was wrong, where, and what was expected, in one line a user can act on.</summary>
public class ExceptionMessageTests
{
    [Fact]
    public void GgufFormatExceptionNamesOffsetSubjectAndProblem()
    {
        var e = new GgufFormatException("tokenizer.ggml.tokens", 4996, "unexpected end of file: 8 bytes needed, 4 left");
        Assert.Equal("invalid GGUF at offset 4996 (tokenizer.ggml.tokens): unexpected end of file: 8 bytes needed, 4 left", e.Message);
        Assert.Equal("tokenizer.ggml.tokens", e.Subject);
        Assert.Equal(4996, e.Offset);
        Assert.Equal("unexpected end of file: 8 bytes needed, 4 left", e.Problem);
        Assert.IsAssignableFrom<CinderException>(e);
    }

    [Fact]
    public void GgufFormatExceptionWithoutSubject()
    {
        var e = new GgufFormatException(null, 0, "file is 0 bytes, too short to be GGUF");
        Assert.Equal("invalid GGUF at offset 0: file is 0 bytes, too short to be GGUF", e.Message);
        Assert.Null(e.Subject);
    }

    [Fact]
    public void GgufFormatExceptionShortensALongSubjectButKeepsItWhole()
    {
        string subject = new string('k', 70) + new string('x', 130); // a hostile key of 200 characters
        var e = new GgufFormatException(subject, 123, "key too long");
        Assert.Equal($"invalid GGUF at offset 123 ({new string('k', 70)}xxxxxxx...): key too long", e.Message);
        Assert.Equal(subject, e.Subject); // the property keeps the whole key for code that needs it
    }

    [Theory]
    [InlineData(1)]
    [InlineData(79)]
    [InlineData(80)]
    public void GgufFormatExceptionKeepsASubjectOfUpTo80Characters(int length)
    {
        string subject = new('s', length);
        Assert.Equal($"invalid GGUF at offset 7 ({subject}): bad", new GgufFormatException(subject, 7, "bad").Message);
    }

    [Fact]
    public void GgufFormatExceptionAt81CharactersShowsTheFirst77AndAnEllipsis()
    {
        string subject = new string('a', 77) + "bcd";
        Assert.Equal($"invalid GGUF at offset 7 ({new string('a', 77)}...): bad", new GgufFormatException(subject + "e", 7, "bad").Message);
        Assert.Equal($"invalid GGUF at offset 7 ({subject}): bad", new GgufFormatException(subject, 7, "bad").Message);
    }

    [Fact]
    public void ContextOverflowExceptionGivesBothNumbers()
    {
        var e = new ContextOverflowException(163, 128);
        Assert.Equal("context overflow: 163 tokens requested but the context holds 128", e.Message);
        Assert.Equal(163, e.Requested);
        Assert.Equal(128, e.ContextLength);
        Assert.IsAssignableFrom<CinderException>(e);
    }

    [Fact]
    public void UnsupportedTensorTypeExceptionNamesTheTensorAndWhy()
    {
        var e = new UnsupportedTensorTypeException(GgmlType.IQ2_XXS, "no kernel for this type", "blk.3.ffn_down.weight");
        Assert.Equal("tensor 'blk.3.ffn_down.weight' has type IQ2_XXS, which is not supported: no kernel for this type", e.Message);
        Assert.Equal(GgmlType.IQ2_XXS, e.Type);
        Assert.Equal("blk.3.ffn_down.weight", e.Tensor);
        Assert.IsAssignableFrom<CinderException>(e);
    }

    [Fact]
    public void UnsupportedTensorTypeExceptionWithoutTensor()
    {
        var e = new UnsupportedTensorTypeException(GgmlType.TQ1_0, "cannot be requantized");
        Assert.Equal("tensor type TQ1_0 is not supported: cannot be requantized", e.Message);
        Assert.Null(e.Tensor);
    }

    [Fact]
    public void UnsupportedTensorTypeExceptionShowsAnUnknownTypeByNumber()
    {
        var e = new UnsupportedTensorTypeException((GgmlType)77, "unknown", "t");
        Assert.Equal("tensor 't' has type #77, which is not supported: unknown", e.Message);
    }

    [Fact]
    public void TokenizerExceptionNamesTheKey()
    {
        Assert.Equal("unknown pre-tokenizer 'foo' (tokenizer.ggml.pre)", new TokenizerException("unknown pre-tokenizer 'foo'", "tokenizer.ggml.pre").Message);
        var e = new TokenizerException("text cannot be represented");
        Assert.Equal("text cannot be represented", e.Message);
        Assert.Null(e.Key);
    }

    [Fact]
    public void TemplateExceptionGivesLineAndColumnWhenKnown()
    {
        var e = new TemplateException("unexpected '}'", 3, 14, "chatml");
        Assert.Equal("chat template 'chatml' line 3, column 14: unexpected '}'", e.Message);
        Assert.Equal(("unexpected '}'", 3, 14, "chatml"), (e.Problem, e.Line, e.Column, e.TemplateName));
        Assert.Equal("chat template: raise_exception('no system role')", new TemplateException("raise_exception('no system role')", 0, 0).Message);
    }

    [Fact]
    public void ModelFormatExceptionKeepsItsMessage()
    {
        var e = new ModelFormatException("tensor 'token_embd.weight' is missing from the model file");
        Assert.Equal("tensor 'token_embd.weight' is missing from the model file", e.Message);
        Assert.IsAssignableFrom<CinderException>(e);
    }
}
