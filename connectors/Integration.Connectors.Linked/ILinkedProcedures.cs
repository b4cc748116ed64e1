using System.Text.Json.Nodes;
using Integration.Core.Problems;

namespace Integration.Connectors.Linked;

/// <summary>
/// Linked procedures (liên thông): a dossier taken once and carried through several national systems by a
/// durable process whose steps feed each other (birth → permanent residence and health-insurance card;
/// death → residence removal and funeral allowance).
/// </summary>
public interface ILinkedProcedures
{
    /// <summary>
    /// Validates and stores a birth process, then returns at once (the steps run in the background). The
    /// same <paramref name="idempotencyKey"/> with the same body returns the same process; with another body
    /// <see cref="LinkedError.IdempotencyKeyReused"/>; none is <see cref="LinkedError.IdempotencyKeyMissing"/>;
    /// a dossier that already has a process is <see cref="LinkedError.ProcessExists"/>; every invalid field
    /// (the key's too) is in <see cref="LinkedError.Invalid"/>.
    /// </summary>
    Task<Result<LinkedCreated, LinkedError>> CreateBirthAsync(string client, string? idempotencyKey, LinkedBirthRequest? request, CancellationToken cancellationToken);

    /// <summary>As <see cref="CreateBirthAsync"/>, for a death.</summary>
    Task<Result<LinkedCreated, LinkedError>> CreateDeathAsync(string client, string? idempotencyKey, LinkedDeathRequest? request, CancellationToken cancellationToken);

    /// <summary>The process and its steps, personal data masked; <see cref="LinkedError.ProcessNotFound"/> when there is none with this id.</summary>
    Task<Result<LinkedProcessView, LinkedError>> GetAsync(string linkedId, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a failed (or waiting-to-retry) step again at once, with <paramref name="corrections"/> (sections of
    /// the creation body this step uses, e.g. <c>{"mother": {"idNumber": "..."}}</c>) merged into the request
    /// first and validated as the creation is (<see cref="LinkedError.Invalid"/>).
    /// <see cref="LinkedError.StepNotRetryable"/> when the step cannot be retried.
    /// </summary>
    Task<Result<LinkedProcessView, LinkedError>> RetryStepAsync(string linkedId, string step, JsonObject? corrections, CancellationToken cancellationToken);

    /// <summary>Cancels every step not done yet. <see cref="LinkedError.ProcessCompleted"/> once completed.</summary>
    Task<Result<LinkedProcessView, LinkedError>> CancelAsync(string linkedId, CancellationToken cancellationToken);

    /// <summary>Processes in <paramref name="state"/> (operators: <c>needs_attention</c>), oldest first.</summary>
    Task<Result<IReadOnlyList<LinkedProcessView>, LinkedError>> ListAsync(string? state, int? limit, CancellationToken cancellationToken);
}

/// <summary>What a creation did.</summary>
/// <param name="Replayed">True when the Idempotency-Key had already created this process.</param>
/// <param name="Process">The process.</param>
public sealed record LinkedCreated(bool Replayed, LinkedProcessView Process);

/// <summary>A linked process as callers see it (ID numbers masked).</summary>
/// <param name="LinkedId">32 hex characters.</param>
/// <param name="Kind"><c>birth</c> or <c>death</c>.</param>
/// <param name="DossierCode">The one-stop dossier code, sent to every system as <c>maHoSo</c>.</param>
/// <param name="State"><c>running</c>, <c>completed</c>, <c>needs_attention</c> or <c>cancelled</c>.</param>
/// <param name="CreatedAt">When it was accepted.</param>
/// <param name="UpdatedAt">Its last change.</param>
/// <param name="Steps">In order.</param>
public sealed record LinkedProcessView(
    string LinkedId,
    string Kind,
    string DossierCode,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<LinkedStepView> Steps);

/// <summary>One step.</summary>
/// <param name="Name">e.g. <c>birth_registration</c>.</param>
/// <param name="State"><c>waiting</c> (for the steps it depends on), <c>queued</c>, <c>in_progress</c>, <c>done</c>, <c>failed</c> or <c>cancelled</c>.</param>
/// <param name="DependsOn">The steps whose results it needs.</param>
/// <param name="Attempts">Attempts started.</param>
/// <param name="LastError">The last failure (a refusal carries the system's Vietnamese message), ID numbers masked.</param>
/// <param name="NextAttemptAt">When a queued step is tried next.</param>
/// <param name="CompletedAt">When it was done.</param>
/// <param name="Result">Its result once done, ID numbers masked.</param>
public sealed record LinkedStepView(
    string Name,
    string State,
    IReadOnlyList<string> DependsOn,
    long Attempts,
    string? LastError,
    DateTimeOffset? NextAttemptAt,
    DateTimeOffset? CompletedAt,
    JsonObject? Result);

/// <summary>A birth registration with permanent residence and a health-insurance card for the child.</summary>
public sealed record LinkedBirthRequest(
    string? DossierCode,
    LinkedChild? Child,
    LinkedPerson? Mother,
    LinkedPerson? Father,
    LinkedRequester? Requester,
    LinkedResidence? Residence,
    LinkedHealthInsurance? HealthInsurance);

/// <summary>The child. <paramref name="Sex"/>: 1 male, 2 female; dates <c>yyyy-MM-dd</c>.</summary>
public sealed record LinkedChild(string? FullName, int? Sex, string? DateOfBirth, string? PlaceOfBirth, string? Ethnicity, string? Nationality);

/// <summary>A parent: name and 12-digit personal ID number.</summary>
public sealed record LinkedPerson(string? FullName, string? IdNumber);

/// <summary>Who files the dossier and their relation to the subject.</summary>
public sealed record LinkedRequester(string? FullName, string? IdNumber, string? Relation);

/// <summary>Where the child is registered: the household head, the relation to them, the commune code (5 digits) and address.</summary>
public sealed record LinkedResidence(string? HeadIdNumber, string? RelationToHead, string? CommuneCode, string? Address);

/// <summary>The commune (5 digits) and the initial health-care facility (5 characters).</summary>
public sealed record LinkedHealthInsurance(string? CommuneCode, string? FacilityCode);

/// <summary>A death registration with removal of permanent residence and the funeral allowance.</summary>
public sealed record LinkedDeathRequest(string? DossierCode, LinkedDeceased? Deceased, LinkedRequester? Requester, LinkedFuneral? Funeral);

/// <summary>The deceased; <paramref name="DateOfDeath"/> <c>yyyy-MM-dd</c>.</summary>
public sealed record LinkedDeceased(string? FullName, string? IdNumber, string? DateOfDeath, string? PlaceOfDeath);

/// <summary>The funeral allowance.</summary>
public sealed record LinkedFuneral(LinkedRecipient? Recipient);

/// <summary>Who receives the allowance, and the account it is paid to (bank BIN, 6 digits; account 6-19 digits).</summary>
public sealed record LinkedRecipient(string? FullName, string? IdNumber, string? BankBin, string? AccountNumber);
