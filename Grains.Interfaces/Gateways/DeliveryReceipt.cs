namespace OrleansMmo.Grains.Gateways;

/// <summary>
/// What a gateway could not pass on of a <see cref="PushBatch"/>: the characters whose world updates it let go
/// because their clients read too slowly. Their zone forgets what it told them and sends the whole view next.
/// </summary>
[GenerateSerializer, Immutable, Alias("mmo.DeliveryReceipt")]
public sealed record DeliveryReceipt([property: Id(0)] Guid[] Undelivered);
