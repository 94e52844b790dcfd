namespace SemanticSearch.Model.Configuration;

/// <summary>The feed-forward activation of a BERT layer (config.json "hidden_act").</summary>
public enum HiddenActivation
{
    /// <summary>"gelu": exact GELU with erf, as torch.nn.functional.gelu.</summary>
    Gelu,
    /// <summary>"gelu_new" (also "gelu_pytorch_tanh"): the tanh approximation of GELU.</summary>
    GeluTanh,
    /// <summary>"relu".</summary>
    Relu,
}

/// <summary>Converts <see cref="HiddenActivation"/> to and from its config.json spelling.</summary>
public static class HiddenActivations
{
    public static HiddenActivation? Parse(string name) => name switch
    {
        "gelu" => HiddenActivation.Gelu,
        "gelu_new" or "gelu_pytorch_tanh" => HiddenActivation.GeluTanh,
        "relu" => HiddenActivation.Relu,
        _ => null,
    };

    public static string ConfigName(this HiddenActivation activation) => activation switch
    {
        HiddenActivation.Gelu => "gelu",
        HiddenActivation.GeluTanh => "gelu_new",
        HiddenActivation.Relu => "relu",
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, null),
    };
}
