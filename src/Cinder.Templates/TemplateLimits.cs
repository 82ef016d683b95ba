namespace Cinder.Templates;

/// <summary>
/// Hard limits on parsing and rendering a template, so that a hostile or broken template from an untrusted model
/// file cannot hang the server, exhaust memory or overflow the stack. Beyond each, a
/// <see cref="TemplateLimitException"/> says which limit was hit and where.
/// </summary>
public sealed record TemplateLimits
{
    public static TemplateLimits Default { get; } = new();

    /// <summary>Longest template source, in UTF-16 code units (real chat templates are at most tens of KB).</summary>
    public int MaxTemplateLength { get; init; } = 1 << 20;

    /// <summary>Deepest nesting of blocks and expressions in the source (real templates nest fewer than 20 deep).</summary>
    public int MaxNestingDepth { get; init; } = 128;

    /// <summary>
    /// Longest rendered output, and longest string any expression, filter or captured block may build,
    /// in UTF-16 code units.
    /// </summary>
    public int MaxOutputLength { get; init; } = 4 << 20;

    /// <summary>
    /// Work budget for one render: every loop iteration, every macro call and every element a collection
    /// filter or operator touches counts one.
    /// </summary>
    public long MaxIterations { get; init; } = 1_000_000;

    /// <summary>Deepest chain of nested macro calls (recursion included).</summary>
    public int MaxCallDepth { get; init; } = 64;
}
