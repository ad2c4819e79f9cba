using LlmFramework.Abstractions.Graph;
using LlmFramework.Abstractions.Tensors;

namespace LlmFramework.Conformance.Cases;

/// <summary>Collects cases and insists on unique names (the seed of a case is derived from its name).</summary>
internal sealed class CaseList
{
    private readonly List<ConformanceCase> _cases = [];
    private readonly HashSet<string> _names = [];

    public void Add(string name, OpKind op, DType? weightType, string description, Action<CaseSetup> build)
    {
        if (!_names.Add(name))
        {
            throw new InvalidOperationException($"two conformance cases are named '{name}'");
        }

        _cases.Add(new ConformanceCase(name, op, weightType, description, build));
    }

    public IReadOnlyList<ConformanceCase> ToArray() => _cases.ToArray();
}
