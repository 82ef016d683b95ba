namespace Cinder.Tokenizers.Text;

/// <summary>
/// GPT-2's reversible byte-to-character map: printable Latin-1 bytes stand for themselves, the other 68 bytes are
/// numbered from U+0100 upwards in byte order. Byte-level BPE vocabularies are written in these characters.
/// </summary>
internal static class ByteLevel
{
    /// <summary>The character that stands for each byte.</summary>
    public static readonly char[] ByteToChar = Build();

    /// <summary>The byte each character stands for, indexed by character (up to U+0143), -1 elsewhere.</summary>
    public static readonly short[] CharToByte = Invert(ByteToChar);

    private static char[] Build()
    {
        var map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= 0x21 and <= 0x7E or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? (char)b : (char)(256 + next++);
        }
        return map;
    }

    private static short[] Invert(char[] map)
    {
        var inverse = new short[0x144];
        Array.Fill(inverse, (short)-1);
        for (int b = 0; b < 256; b++) inverse[map[b]] = (short)b;
        return inverse;
    }
}
