namespace LlmFramework.Tokenizers;

/// <summary>GPT-2's reversible map between bytes and printable Unicode characters.</summary>
internal static class ByteLevelAlphabet
{
    public static readonly char[] ByteToChar = BuildByteToChar();

    public static readonly Dictionary<char, byte> CharToByte = BuildCharToByte();

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var assigned = new bool[256];
        for (int b = 0; b < 256; b++)
        {
            if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF))
            {
                map[b] = (char)b;
                assigned[b] = true;
            }
        }

        int n = 0;
        for (int b = 0; b < 256; b++)
        {
            if (!assigned[b])
            {
                map[b] = (char)(256 + n++);
            }
        }

        return map;
    }

    private static Dictionary<char, byte> BuildCharToByte()
    {
        var d = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++)
        {
            d[ByteToChar[b]] = (byte)b;
        }

        return d;
    }
}
