namespace LlmFramework.Host.Serving.Dtos;

/// <summary>stream_options.</summary>
internal sealed class StreamOptionsDto
{
    public bool? IncludeUsage { get; set; }
}
