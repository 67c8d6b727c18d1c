namespace Courier.Core.Targets;

/// <summary>Makes targets of one kind from their configuration. Each target project registers one.</summary>
public interface ITargetFactory
{
    /// <summary>The kind this factory makes (<c>filesystem</c>, <c>http</c>, <c>s3</c>).</summary>
    string Kind { get; }

    /// <summary>
    /// Makes the target, or throws <see cref="Domain.BadInputException"/> whose field is the configuration key at fault.
    /// </summary>
    ITarget Create(TargetDefinition definition);
}
