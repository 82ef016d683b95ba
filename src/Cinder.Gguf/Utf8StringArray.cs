using System.Text;

namespace Cinder.Gguf;

/// <summary>An array of strings stored as one UTF-8 blob plus end offsets: about the size it has on disk.</summary>
internal sealed class Utf8StringArray
{
    private readonly byte[] _blob;
    private readonly int[] _ends;

    public Utf8StringArray(byte[] blob, int[] ends)
    {
        _blob = blob;
        _ends = ends;
    }

    public int Count => _ends.Length;

    public string[] Decode()
    {
        var result = new string[_ends.Length];
        int start = 0;
        for (int i = 0; i < _ends.Length; i++)
        {
            // Invalid UTF-8 is replaced (U+FFFD) rather than rejected; llama.cpp keeps such bytes too.
            result[i] = Encoding.UTF8.GetString(_blob, start, _ends[i] - start);
            start = _ends[i];
        }
        return result;
    }
}
