namespace LlmFramework.Tokenizers;

/// <summary>A chat template could not be parsed or rendered (syntax errors, raise_exception(), unsupported features).</summary>
public sealed class ChatTemplateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChatTemplateException()
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public ChatTemplateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and its cause.</summary>
    public ChatTemplateException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
