using System.Text.Json.Nodes;

namespace LlmFramework.Host.Tests.Support;

/// <summary>Copies of the default model's Hugging Face folder with another chat template.</summary>
public static class TemplatedModelFolder
{
    /// <summary>A folder <paramref name="name"/> under <paramref name="dir"/>: the default model with <paramref name="template"/>.</summary>
    public static string Create(TempDirectory dir, string name, string template)
    {
        string folder = dir.CreateFolder(name);
        string source = Path.Combine(RepositoryPaths.Root, "models", "default");
        foreach (string file in new[] { "config.json", "generation_config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(source, file), Path.Combine(folder, file));
        }

        JsonNode config = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "tokenizer_config.json")))!;
        config["chat_template"] = template;
        File.WriteAllText(Path.Combine(folder, "tokenizer_config.json"), config.ToJsonString());
        return folder;
    }
}
