namespace LlmFramework.Benchmarks.ServingVsLlamaCpp;

/// <summary>
/// Prompts for N streams: BOS then seeded random ids above the 259 specials and bytes. Distinct prompts differ from
/// their second token on (and between runs), so no prefix cache can share work between streams or runs.
/// </summary>
internal static class StreamPrompts
{
    public static int[][] Make(int streams, int length, int vocabSize, bool shared, int seed)
    {
        var prompts = new int[streams][];
        for (int s = 0; s < streams; s++)
        {
            var random = new Random(shared ? seed : unchecked((seed * 1_000_003) + s));
            var ids = new int[length];
            ids[0] = 1;
            for (int i = 1; i < length; i++)
            {
                ids[i] = random.Next(259, vocabSize);
            }

            prompts[s] = ids;
        }

        return prompts;
    }
}
