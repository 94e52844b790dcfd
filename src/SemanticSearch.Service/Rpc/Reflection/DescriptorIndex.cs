using Google.Protobuf.Reflection;

namespace SemanticSearch.Service.Rpc.Reflection;

/// <summary>
/// Every proto file reachable from the hosted services, indexed by file name and by each
/// fully-qualified symbol it defines (services, methods, messages, fields, enums, enum values).
/// </summary>
internal sealed class DescriptorIndex
{
    private readonly Dictionary<string, FileDescriptor> _filesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileDescriptor> _filesBySymbol = new(StringComparer.Ordinal);

    public DescriptorIndex(IEnumerable<ServiceDescriptor> services)
    {
        ServiceNames = services.Select(s => s.FullName).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();
        foreach (var service in services)
        {
            AddFile(service.File);
        }
    }

    public IReadOnlyList<string> ServiceNames { get; }

    public FileDescriptor? FindFileByName(string name) => _filesByName.GetValueOrDefault(name);

    public FileDescriptor? FindFileBySymbol(string symbol) => _filesBySymbol.GetValueOrDefault(symbol.TrimStart('.'));

    /// <summary>The file followed by its transitive dependencies, each once, so a client can build a complete pool.</summary>
    public static IReadOnlyList<FileDescriptor> WithDependencies(FileDescriptor file)
    {
        var ordered = new List<FileDescriptor>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<FileDescriptor>();
        pending.Enqueue(file);
        while (pending.Count > 0)
        {
            var next = pending.Dequeue();
            if (!seen.Add(next.Name))
            {
                continue;
            }
            ordered.Add(next);
            foreach (var dependency in next.Dependencies)
            {
                pending.Enqueue(dependency);
            }
        }
        return ordered;
    }

    private void AddFile(FileDescriptor file)
    {
        if (!_filesByName.TryAdd(file.Name, file))
        {
            return;
        }
        foreach (var dependency in file.Dependencies)
        {
            AddFile(dependency);
        }
        foreach (var service in file.Services)
        {
            AddSymbol(service.FullName, file);
            foreach (var method in service.Methods)
            {
                AddSymbol(method.FullName, file);
            }
        }
        foreach (var message in file.MessageTypes)
        {
            AddMessage(message, file);
        }
        foreach (var enumType in file.EnumTypes)
        {
            AddEnum(enumType, file);
        }
    }

    private void AddMessage(MessageDescriptor message, FileDescriptor file)
    {
        AddSymbol(message.FullName, file);
        foreach (var field in message.Fields.InDeclarationOrder())
        {
            AddSymbol(field.FullName, file);
        }
        foreach (var oneof in message.Oneofs)
        {
            AddSymbol(oneof.FullName, file);
        }
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(nested, file);
        }
        foreach (var nestedEnum in message.EnumTypes)
        {
            AddEnum(nestedEnum, file);
        }
    }

    private void AddEnum(EnumDescriptor enumType, FileDescriptor file)
    {
        AddSymbol(enumType.FullName, file);
        foreach (var value in enumType.Values)
        {
            AddSymbol(value.FullName, file);
        }
    }

    private void AddSymbol(string fullName, FileDescriptor file) => _filesBySymbol.TryAdd(fullName, file);
}
