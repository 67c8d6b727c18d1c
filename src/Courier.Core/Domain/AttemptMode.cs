namespace Courier.Core.Domain;

/// <summary>Which path made an attempt: the synchronous push at submit, the scanner, or a person's resubmission.</summary>
public enum AttemptMode
{
    Sync,
    Async,
    Manual,
}
