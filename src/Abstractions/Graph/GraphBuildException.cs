namespace LlmFramework.Abstractions.Graph;

/// <summary>A graph was built with operands whose shapes or types do not fit the op.</summary>
public sealed class GraphBuildException : Exception
{
    /// <summary>Creates the exception.</summary>
    public GraphBuildException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public GraphBuildException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public GraphBuildException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
