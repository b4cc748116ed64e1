using System.Diagnostics.CodeAnalysis;

namespace Integration.Core.Problems;

/// <summary>
/// What a connector operation gives back: its value, or the error it refused the request with. Each connector has
/// its own closed set of errors (<typeparamref name="TError"/>); the host maps them to problem answers in one place,
/// so connectors never choose HTTP status codes.
/// </summary>
/// <typeparam name="TValue">The value of a success.</typeparam>
/// <typeparam name="TError">The connector's error type.</typeparam>
public sealed class Result<TValue, TError>
    where TValue : notnull
    where TError : class
{
    private Result(TValue? value, TError? error)
    {
        Value = value;
        Error = error;
    }

    /// <summary>The value; set when <see cref="Succeeded"/>.</summary>
    public TValue? Value { get; }

    /// <summary>Why the request was refused; set unless <see cref="Succeeded"/>.</summary>
    public TError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static implicit operator Result<TValue, TError>(TValue value) =>
        new(value ?? throw new ArgumentNullException(nameof(value)), null);

    public static implicit operator Result<TValue, TError>(TError error) =>
        new(default, error ?? throw new ArgumentNullException(nameof(error)));
}
