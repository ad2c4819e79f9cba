namespace LlmFramework.Conformance;

/// <summary>The reference's route of one token (see <see cref="ReferenceMoe.Choose"/>).</summary>
/// <param name="Experts">The chosen experts, best first.</param>
/// <param name="Weights">Their weights (normalised and scaled as the op says), in double.</param>
/// <param name="Margin">
/// The smallest gap in b (or in group scores) that decided the choice: between consecutive experts of the best S + 1
/// allowed ones, and between the last kept and the first dropped group. A backend computing b in F32 makes the same
/// choice when its errors stay well below this.
/// </param>
/// <param name="Scale">The largest |b| of the token, against which <paramref name="Margin"/> is measured.</param>
internal sealed record RouteChoice(int[] Experts, double[] Weights, double Margin, double Scale);
