namespace LlmFramework.Samples.Rag;

/// <summary>A piece of a document: where it came from and its text.</summary>
/// <param name="File">The document's file name.</param>
/// <param name="Index">The chunk's number within the file, from 1.</param>
/// <param name="Text">The chunk's text.</param>
internal sealed record DocumentChunk(string File, int Index, string Text)
{
    /// <summary>How a citation names the chunk: "file.txt, chunk 2".</summary>
    public string Source => $"{File}, chunk {Index}";
}
