using Google.Protobuf;
using SemanticSearch.Service.Rpc;
using SemanticSearch.Service.Rpc.Server;
using SemanticSearch.Testing.V1;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// The echo test service. Besides the knobs on EchoRequest, two texts change behaviour:
/// "throw" raises an unexpected exception, "ignore-token" sleeps without honouring cancellation.
/// </summary>
internal sealed class EchoService
{
    public const string ThrowText = "throw";
    public const string IgnoreTokenText = "ignore-token";
    public const string SecretExceptionText = "secret internal detail /etc/passwd";

    /// <summary>Completes when a sleeping handler observes its cancellation token firing.</summary>
    public TaskCompletionSource CancellationObserved { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a handler starts sleeping (so tests can act mid-call).</summary>
    public TaskCompletionSource SleepStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => EchoReflection.Descriptor.Services[0];

    public GrpcServiceDefinition Build() =>
        GrpcServiceDefinition.For(Descriptor)
            .AddUnary<EchoRequest, EchoReply>("Unary", UnaryAsync)
            .AddServerStreaming<EchoRequest, EchoReply>("ServerStream", ServerStreamAsync)
            .AddClientStreaming<EchoRequest, EchoReply>("ClientStream", ClientStreamAsync)
            .AddDuplexStreaming<EchoRequest, EchoReply>("Bidi", BidiAsync)
            .Build();

    private async Task<EchoReply> UnaryAsync(EchoRequest request, ServerCallContext context)
    {
        await ApplyKnobsAsync(request, context);
        context.ResponseHeaders.Add("x-echo-method", "unary");
        context.ResponseTrailers.Add("x-echo-trailer", "done");
        context.ResponseTrailers.Add("x-echo-trailer-bin", new byte[] { 0, 1, 2, 255 });
        return Reply(request, context, 0);
    }

    private async Task ServerStreamAsync(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        await ApplyKnobsAsync(request, context);
        for (var i = 0; i < request.Count; i++)
        {
            await responses.WriteAsync(Reply(request, context, i));
        }
    }

    private async Task<EchoReply> ClientStreamAsync(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var texts = new List<string>();
        EchoRequest? last = null;
        await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
        {
            await ApplyKnobsAsync(request, context);
            texts.Add(request.Text);
            last = request;
        }
        var reply = Reply(last ?? new EchoRequest(), context, 0);
        reply.Text = string.Join("|", texts);
        reply.MessageCount = texts.Count;
        return reply;
    }

    private async Task BidiAsync(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        var index = 0;
        await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
        {
            await ApplyKnobsAsync(request, context);
            await responses.WriteAsync(Reply(request, context, index++));
        }
    }

    private async Task ApplyKnobsAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.Text == ThrowText)
        {
            throw new InvalidOperationException(SecretExceptionText);
        }
        if (request.SleepMs > 0)
        {
            SleepStarted.TrySetResult();
            if (request.Text == IgnoreTokenText)
            {
                await Task.Delay(request.SleepMs, CancellationToken.None);
            }
            else
            {
                try
                {
                    await Task.Delay(request.SleepMs, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    CancellationObserved.TrySetResult();
                    throw;
                }
            }
        }
        if (request.FailCode != 0)
        {
            context.ResponseTrailers.Add("x-fail-detail", "from-handler");
            throw new RpcException((StatusCode)request.FailCode, request.FailMessage);
        }
    }

    private static EchoReply Reply(EchoRequest request, ServerCallContext context, int index) => new()
    {
        Text = request.Text,
        Index = index,
        Payload = request.ReplyPayloadSize > 0 ? ByteString.CopyFrom(new byte[request.ReplyPayloadSize]) : request.Payload,
        MessageCount = 1,
        HeaderValue = string.IsNullOrEmpty(request.EchoHeader) ? "" : context.RequestHeaders.GetValue(request.EchoHeader) ?? "",
        RequestEncoding = context.HttpContext.Request.Headers["grpc-encoding"].ToString() is { Length: > 0 } e ? e : "identity",
    };
}
