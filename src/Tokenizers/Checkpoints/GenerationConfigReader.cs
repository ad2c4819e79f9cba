using LlmFramework.Formats.Json;
using LlmFramework.Abstractions.Models;

namespace LlmFramework.Tokenizers.Checkpoints;

/// <summary>Reads sampling defaults from a Hugging Face generation_config.json.</summary>
public static class GenerationConfigReader
{
    /// <summary>The defaults in <paramref name="path"/>; empty defaults when the file does not exist.</summary>
    public static GenerationDefaults Read(string path)
    {
        if (!File.Exists(path))
        {
            return new GenerationDefaults();
        }

        JsonObjectReader json = JsonObjectReader.Load(path);
        return new GenerationDefaults
        {
            Temperature = json.OptionalFloat("temperature"),
            TopP = json.OptionalFloat("top_p"),
            TopK = json.OptionalInt("top_k"),
            RepetitionPenalty = json.OptionalFloat("repetition_penalty"),
            EosIds = json.IntList("eos_token_id"),
        };
    }
}
