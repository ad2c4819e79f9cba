// Retrieval-augmented generation on LlmFramework: index a folder of text files with the model's embeddings (chunk,
// embed, keep the vectors in a small in-memory cosine index), retrieve the top-k chunks for a question, and ask the
// chat client to answer from them with numbered citations; the sources are printed after the answer.
//   dotnet run --project samples/Rag -- [--question TEXT] [--docs DIR] [--top-k K] [--max-tokens N]
// In-process on the embedded default model by default; --endpoint http://127.0.0.1:8080/v1 uses a running host.
// The default model writes prose and follows no instructions: expect the retrieval to be the useful part.
using System.Text;
using LlmFramework.Samples.Rag;
using LlmFramework.SemanticKernel.Extensions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

RagArguments options;
try
{
    options = RagArguments.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

var services = new ServiceCollection();
if (options.Endpoint is null)
{
    services.AddLlmFrameworkChatClient().AddLlmFrameworkEmbeddingGenerator();
}
else
{
    services.AddLlmFrameworkChatClient(options.Endpoint, options.ApiKey, options.Transport).AddLlmFrameworkEmbeddingGenerator(options.Endpoint, options.ApiKey);
}

await using ServiceProvider provider = services.BuildServiceProvider();
var embeddings = provider.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
var chat = provider.GetRequiredService<IChatClient>();

// Index: every .txt file, cut into chunks of whole paragraphs, one embedding per chunk.
var index = new CosineIndex();
string[] files = [.. Directory.GetFiles(options.Docs, "*.txt").Order(StringComparer.Ordinal)];
foreach (string file in files)
{
    DocumentChunk[] chunks = [.. TextChunker.Chunk(Path.GetFileName(file), File.ReadAllText(file), options.ChunkWords)];
    GeneratedEmbeddings<Embedding<float>> vectors = await embeddings.GenerateAsync(chunks.Select(c => c.Text));
    for (int i = 0; i < chunks.Length; i++)
    {
        index.Add(chunks[i], vectors[i].Vector);
    }
}

Console.WriteLine($"[indexed {index.Count} chunks from {files.Length} files in {options.Docs}]");
Console.WriteLine($"[question] {options.Question}");

// Retrieve, then answer from the numbered sources.
Embedding<float> query = (await embeddings.GenerateAsync([options.Question]))[0];
IReadOnlyList<(DocumentChunk Chunk, float Score)> hits = index.Search(query.Vector, options.TopK);
var context = new StringBuilder();
for (int i = 0; i < hits.Count; i++)
{
    context.Append('[').Append(i + 1).Append("] ").AppendLine(hits[i].Chunk.Text);
}

ChatMessage[] messages =
[
    new(ChatRole.System, "Answer the question using only the numbered sources below, and cite them like [1].\n\n" + context),
    new(ChatRole.User, options.Question),
];
ChatResponse answer = await chat.GetResponseAsync(messages, new ChatOptions { MaxOutputTokens = options.MaxTokens, Temperature = 0 });
Console.WriteLine($"[answer] {answer.Text.Trim()}");
Console.WriteLine("[sources]");
for (int i = 0; i < hits.Count; i++)
{
    string opening = hits[i].Chunk.Text.Length > 70 ? hits[i].Chunk.Text[..70] + "..." : hits[i].Chunk.Text;
    Console.WriteLine($"[{i + 1}] {hits[i].Chunk.Source} (cosine {hits[i].Score:F3}): {opening}");
}

return 0;
