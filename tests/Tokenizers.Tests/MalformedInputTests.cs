using LlmFramework.Abstractions.Models;

namespace LlmFramework.Tokenizers.Tests;

/// <summary>Malformed files give ModelLoadException naming the file and the field.</summary>
public sealed class MalformedInputTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("llmfw-malformed").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("{ not json", "not valid JSON")]
    [InlineData("[1, 2]", "not a JSON object")]
    [InlineData("{}", "'model' is missing")]
    [InlineData("{\"model\": {\"type\": \"BPE\"}}", "'model.vocab' is missing")]
    [InlineData("{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}", "'model.type' is 'Unigram'")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": \"x\"}}}", "'model.vocab' maps 'a'")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": 5}}", "'model.merges' is not a list")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"ab\"]}}", "'model.merges[0]'")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}}", "not in 'model.vocab'")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [[\"a\"]]}}", "'model.merges[0]'")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}, \"added_tokens\": [{\"content\": \"x\"}]}", "'added_tokens[0].id' is missing")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}, \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(\"}, \"behavior\": \"Isolated\"}, \"decoder\": {\"type\": \"ByteLevel\"}}", "'pre_tokenizer.pattern'")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}, \"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"a\"}, \"behavior\": \"Sideways\"}, \"decoder\": {\"type\": \"ByteLevel\"}}", "'pre_tokenizer.behavior' is 'Sideways'")]
    public void Malformed_tokenizer_json_names_the_file_and_field(string json, string expected)
    {
        string path = Write("tokenizer.json", json);
        var e = Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromTokenizerJson(path, null));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"type\": \"UnicodeScripts\"}", "UnicodeScripts")]
    [InlineData("{\"type\": \"Split\", \"pattern\": {\"Regex\": \"[\\\\p{L}&&[^a-z]]+\"}, \"behavior\": \"Isolated\"}", "class intersection")]
    [InlineData("{\"type\": \"Split\", \"pattern\": {\"Regex\": \"[a[0-9]]\"}, \"behavior\": \"Isolated\"}", "nested character class")]
    [InlineData("{\"type\": \"Split\", \"pattern\": {\"Regex\": \"[\ud801\udc00-\ud801\udc4f]+\"}, \"behavior\": \"Isolated\"}", "outside the Basic Multilingual Plane")]
    public void Unsupported_pre_tokenizers_are_refused_with_not_supported(string preTokenizer, string expected)
    {
        // Oniguruma's nested classes, intersections and astral characters would compile in .NET with another meaning.
        string path = Write("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}, \"pre_tokenizer\": " + preTokenizer + ", \"decoder\": {\"type\": \"ByteLevel\"}}");
        var e = Assert.Throws<NotSupportedException>(() => TokenizerFactory.FromTokenizerJson(path, null));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"bos_token\": 5}", "'bos_token'")]
    [InlineData("{\"add_bos_token\": \"yes\"}", "'add_bos_token' is not a boolean")]
    [InlineData("{\"chat_template\": 3}", "'chat_template'")]
    public void Malformed_tokenizer_config_names_the_file_and_field(string json, string expected)
    {
        string path = Write("tokenizer_config.json", json);
        var e = Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromTokenizerJson(TestData.File("mistral-7b.tokenizer.json"), path));
        Assert.Equal(path, e.FilePath);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_truncated_and_garbage_sentencepiece_models_are_refused()
    {
        byte[] model = File.ReadAllBytes(TestData.File("novels4k.model"));
        var cases = new (string Name, byte[] Bytes, string Expected)[]
        {
            ("empty.model", [], "pieces is empty"),
            ("truncated.model", model[..(model.Length / 2)], "not a valid SentencePiece ModelProto"),
            ("garbage.model", [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], "not a valid SentencePiece ModelProto"),
            ("zero-field.model", [0x00, 0x01], "field number 0"),
            ("no-piece.model", [0x0A, 0x02, 0x15, 0x00], "not a valid SentencePiece ModelProto"),
        };
        foreach (var (name, bytes, expected) in cases)
        {
            string path = Path.Combine(_dir, name);
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromSentencePieceModel(path, null));
            Assert.Equal(path, e.FilePath);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }

        string missing = Path.Combine(_dir, "missing.model");
        Assert.Equal(missing, Assert.Throws<ModelLoadException>(() => TokenizerFactory.FromSentencePieceModel(missing, null)).FilePath);
    }

    [Fact]
    public void Merges_given_as_pairs_load_like_merges_given_as_strings()
    {
        string text = File.ReadAllText(TestData.File("mistral-7b.tokenizer.json"));
        var node = System.Text.Json.Nodes.JsonNode.Parse(text)!;
        var merges = node["model"]!["merges"]!.AsArray();
        var pairs = new System.Text.Json.Nodes.JsonArray();
        foreach (var m in merges)
        {
            string[] parts = m!.GetValue<string>().Split(' ', 2);
            pairs.Add(new System.Text.Json.Nodes.JsonArray(parts[0], parts[1]));
        }

        node["model"]!["merges"] = pairs;
        string path = Write("pairs.tokenizer.json", node.ToJsonString());
        var fromPairs = TokenizerFactory.FromTokenizerJson(path, TestData.File("mistral-7b.tokenizer_config.json"));
        var fromStrings = TokenizerFactory.FromTokenizerJson(TestData.File("mistral-7b.tokenizer.json"), TestData.File("mistral-7b.tokenizer_config.json"));
        foreach (string line in TestData.ParityLines(300))
        {
            Assert.Equal(fromStrings.Encode(line), fromPairs.Encode(line));
        }
    }

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }
}
