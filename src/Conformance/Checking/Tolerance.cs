namespace LlmFramework.Conformance.Checking;

/// <summary>A value passes when |backend - reference| &lt;= Relative * m + Absolute, m being the op's per-value magnitude.</summary>
internal readonly record struct Tolerance(double Relative, double Absolute);
