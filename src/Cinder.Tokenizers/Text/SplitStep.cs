namespace Cinder.Tokenizers.Text;

/// <summary>
/// One regex of a BPE pre-tokenizer: splits each incoming piece (a run of code points, given by its length) into
/// matches and the gaps between them, as llama.cpp's <c>unicode_regex_split</c> does for each of its regexes in turn.
/// </summary>
internal abstract class SplitStep
{
    /// <summary>Appends to <paramref name="output"/> the lengths of the pieces each piece of <paramref name="input"/> splits into.</summary>
    public abstract void Split(SplitContext context, List<int> input, List<int> output);
}
