namespace LlmFramework.Abstractions.Models;

/// <summary>A checkpoint could not be loaded. The message names the file and what is wrong with it.</summary>
public sealed class ModelLoadException : Exception
{
    /// <summary>Creates the exception for <paramref name="path"/>.</summary>
    public ModelLoadException(string path, string problem, Exception? innerException = null)
        : base($"{path}: {problem}", innerException)
    {
        FilePath = path;
        Problem = problem;
    }

    /// <summary>Creates the exception.</summary>
    public ModelLoadException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ModelLoadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ModelLoadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The file or folder at fault.</summary>
    public string? FilePath { get; }

    /// <summary>What is wrong, without the path.</summary>
    public string? Problem { get; }
}
