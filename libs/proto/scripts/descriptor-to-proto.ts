import {
  type DescExtension,
  type DescMessage,
  getExtension,
  hasExtension,
  isFieldSet,
  type Message,
} from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import { toText } from "@bufbuild/protobuf/txtpb";
import {
  type DescriptorProto,
  type EnumDescriptorProto,
  EnumOptionsSchema,
  EnumValueOptionsSchema,
  type FieldDescriptorProto,
  FieldDescriptorProtoSchema,
  FieldOptionsSchema,
  type FileDescriptorProto,
  FileOptionsSchema,
  FieldDescriptorProto_Label as Label,
  MessageOptionsSchema,
  OneofOptionsSchema,
  FieldDescriptorProto_Type as Type,
} from "@bufbuild/protobuf/wkt";

/**
 * Prints a FileDescriptorProto back as `.proto` source. It covers what plain proto2/proto3 files
 * use (messages, nested types, maps, enums, oneofs, extensions, reserved ranges, options including
 * message-valued custom options) and throws on anything else (groups, editions, services), so a
 * change upstream fails loudly instead of producing a subtly different contract.
 */
export function descriptorToProto(
  file: FileDescriptorProto,
  options: { header?: string; extensions?: readonly DescExtension[] } = {},
): string {
  const p = new Printer(file, options.extensions ?? []);
  return p.print(options.header ?? "");
}

const SCALAR: Partial<Record<Type, string>> = {
  [Type.DOUBLE]: "double",
  [Type.FLOAT]: "float",
  [Type.INT64]: "int64",
  [Type.UINT64]: "uint64",
  [Type.INT32]: "int32",
  [Type.FIXED64]: "fixed64",
  [Type.FIXED32]: "fixed32",
  [Type.BOOL]: "bool",
  [Type.STRING]: "string",
  [Type.BYTES]: "bytes",
  [Type.UINT32]: "uint32",
  [Type.SFIXED32]: "sfixed32",
  [Type.SFIXED64]: "sfixed64",
  [Type.SINT32]: "sint32",
  [Type.SINT64]: "sint64",
};

const MAX_FIELD_NUMBER = 536870911;

class Printer {
  private readonly out: string[] = [];
  private readonly proto2: boolean;

  constructor(
    private readonly file: FileDescriptorProto,
    private readonly extensions: readonly DescExtension[],
  ) {
    if (
      file.edition !== 0 ||
      (file.syntax !== "" && file.syntax !== "proto2" && file.syntax !== "proto3")
    ) {
      throw new Error(`${file.name}: only proto2/proto3 syntax is supported`);
    }
    if (file.service.length > 0) throw new Error(`${file.name}: services are not supported`);
    this.proto2 = file.syntax !== "proto3";
  }

  print(header: string): string {
    const f = this.file;
    if (header !== "") this.out.push(...header.split("\n").map((l) => `// ${l}`.trimEnd()), "");
    this.out.push(
      `syntax = "${this.proto2 ? "proto2" : "proto3"}";`,
      "",
      `package ${f.package};`,
      "",
    );
    for (const dep of f.dependency) this.out.push(`import "${dep}";`);
    if (f.dependency.length > 0) this.out.push("");
    for (const opt of this.options(f.options)) this.out.push(`option ${opt};`);
    if (f.options) this.out.push("");
    this.extend(f.extension, 0);
    for (const m of f.messageType) this.message(m, 0);
    for (const e of f.enumType) this.enumeration(e, 0);
    return `${this.out.join("\n").trimEnd()}\n`;
  }

  /** Pushes text indented by depth; continuation lines (multi-line options) are indented too. */
  private line(depth: number, text: string): void {
    const pad = "  ".repeat(depth);
    for (const l of text.split("\n")) this.out.push(l === "" ? l : pad + l);
  }

  /** One `extend` block per extendee, in first-seen order. */
  private extend(exts: FieldDescriptorProto[], depth: number): void {
    const byExtendee = new Map<string, FieldDescriptorProto[]>();
    for (const e of exts) byExtendee.set(e.extendee, [...(byExtendee.get(e.extendee) ?? []), e]);
    for (const [extendee, group] of byExtendee) {
      this.line(depth, `extend ${this.typeRef(extendee)} {`);
      for (const e of group) this.field(e, depth + 1, false);
      this.line(depth, "}");
      if (depth === 0) this.out.push("");
    }
  }

  private message(m: DescriptorProto, depth: number): void {
    this.line(depth, `message ${m.name} {`);
    for (const opt of this.options(m.options)) this.line(depth + 1, `option ${opt};`);
    const maps = new Map(m.nestedType.filter((n) => n.options?.mapEntry).map((n) => [n.name, n]));
    const printedOneofs = new Set<number>();
    for (const fd of m.field) {
      if (has(fd, "oneofIndex") && !fd.proto3Optional) {
        if (printedOneofs.has(fd.oneofIndex)) continue;
        printedOneofs.add(fd.oneofIndex);
        const decl = m.oneofDecl[fd.oneofIndex];
        if (!decl) throw new Error(`${m.name}.${fd.name}: bad oneof index`);
        this.line(depth + 1, `oneof ${decl.name} {`);
        for (const opt of this.options(decl.options)) this.line(depth + 2, `option ${opt};`);
        for (const of of m.field.filter(
          (x) => has(x, "oneofIndex") && x.oneofIndex === fd.oneofIndex,
        )) {
          this.field(of, depth + 2, true);
        }
        this.line(depth + 1, "}");
        continue;
      }
      const entry = maps.get(fd.typeName.split(".").pop() ?? "");
      if (entry && fd.label === Label.REPEATED) this.mapField(fd, entry, depth + 1);
      else this.field(fd, depth + 1, false);
    }
    for (const n of m.nestedType) if (!maps.has(n.name)) this.message(n, depth + 1);
    for (const e of m.enumType) this.enumeration(e, depth + 1);
    this.extend(m.extension, depth + 1);
    for (const r of m.extensionRange) {
      const end = r.end - 1 >= MAX_FIELD_NUMBER ? "max" : String(r.end - 1);
      this.line(
        depth + 1,
        `extensions ${r.start === r.end - 1 ? r.start : `${r.start} to ${end}`};`,
      );
    }
    this.reserved(
      m.reservedRange.map((r) => [r.start, r.end - 1]),
      m.reservedName,
      depth + 1,
    );
    this.line(depth, "}");
    if (depth === 0) this.out.push("");
  }

  private enumeration(e: EnumDescriptorProto, depth: number): void {
    this.line(depth, `enum ${e.name} {`);
    for (const opt of this.options(e.options)) this.line(depth + 1, `option ${opt};`);
    for (const v of e.value) {
      const opts = this.options(v.options);
      this.line(depth + 1, `${v.name} = ${v.number}${opts.length ? ` [${opts.join(", ")}]` : ""};`);
    }
    this.reserved(
      e.reservedRange.map((r) => [r.start, r.end]),
      e.reservedName,
      depth + 1,
    );
    this.line(depth, "}");
    if (depth === 0) this.out.push("");
  }

  private reserved(ranges: [number, number][], names: string[], depth: number): void {
    if (ranges.length > 0) {
      const parts = ranges.map(([a, b]) =>
        a === b ? `${a}` : `${a} to ${b >= MAX_FIELD_NUMBER ? "max" : b}`,
      );
      this.line(depth, `reserved ${parts.join(", ")};`);
    }
    if (names.length > 0) this.line(depth, `reserved ${names.map((n) => `"${n}"`).join(", ")};`);
  }

  private field(fd: FieldDescriptorProto, depth: number, inOneof: boolean): void {
    if (fd.type === Type.GROUP) throw new Error(`${fd.name}: groups are not supported`);
    let label = "";
    if (!inOneof) {
      if (fd.label === Label.REPEATED) label = "repeated ";
      else if (fd.label === Label.REQUIRED) label = "required ";
      else if (this.proto2 || fd.proto3Optional) label = "optional ";
    }
    const type = SCALAR[fd.type] ?? this.typeRef(fd.typeName);
    const opts: string[] = [];
    if (has(fd, "defaultValue")) {
      opts.push(
        `default = ${fd.type === Type.STRING || fd.type === Type.BYTES ? quote(fd.defaultValue) : fd.defaultValue}`,
      );
    }
    if (has(fd, "jsonName") && fd.jsonName !== camel(fd.name))
      opts.push(`json_name = ${quote(fd.jsonName)}`);
    opts.push(...this.options(fd.options));
    const suffix = opts.length === 0 ? "" : ` [${opts.join(", ")}]`;
    this.line(depth, `${label}${type} ${fd.name} = ${fd.number}${suffix};`);
  }

  private mapField(fd: FieldDescriptorProto, entry: DescriptorProto, depth: number): void {
    const [k, v] = entry.field;
    if (!k || !v) throw new Error(`${fd.name}: malformed map entry`);
    const kt = SCALAR[k.type] ?? this.typeRef(k.typeName);
    const vt = SCALAR[v.type] ?? this.typeRef(v.typeName);
    const opts = this.options(fd.options);
    const suffix = opts.length === 0 ? "" : ` [${opts.join(", ")}]`;
    this.line(depth, `map<${kt}, ${vt}> ${fd.name} = ${fd.number}${suffix};`);
  }

  /** `.buf.validate.Rule` → `Rule` inside package buf.validate; `.google.protobuf.X` → `google.protobuf.X`. */
  private typeRef(typeName: string): string {
    const own = `.${this.file.package}.`;
    return typeName.startsWith(own) ? typeName.slice(own.length) : typeName.replace(/^\./, "");
  }

  /** Renders every set option as `name = value`, custom options as `(ext) = { ...text format... }`. */
  private options(opts: Message | undefined): string[] {
    if (!opts) return [];
    const r = reflect(descOf(opts), opts);
    const out: string[] = [];
    for (const f of r.fields) {
      if (!r.isSet(f)) continue;
      if (f.fieldKind === "scalar") out.push(`${f.name} = ${scalarText(r.get(f))}`);
      else if (f.fieldKind === "enum") {
        const v = r.get(f);
        out.push(`${f.name} = ${f.enum.values.find((x) => x.number === v)?.name ?? v}`);
      } else throw new Error(`option ${f.name}: unsupported option kind ${f.fieldKind}`);
    }
    let handled = 0;
    for (const ext of this.extensions) {
      if (ext.extendee.typeName !== opts.$typeName || !hasExtension(opts, ext)) continue;
      handled++;
      const name = this.typeRef(`.${ext.typeName}`);
      const value: unknown = getExtension(opts, ext);
      if (ext.fieldKind !== "message" || !ext.message) {
        throw new Error(`option (${name}): only message-valued custom options are supported`);
      }
      const text = toText(ext.message, value as Message).trimEnd();
      out.push(`(${name}) = {\n${indent(text, "  ")}\n}`);
    }
    const unknown = new Set((opts.$unknown ?? []).map((u) => u.no));
    if (unknown.size > handled)
      throw new Error(`${opts.$typeName}: unrecognised options ${[...unknown].join(", ")}`);
    return out;
  }
}

/** proto2 presence: protobuf-es reads unset optional fields as their default, so ask explicitly. */
function has(fd: FieldDescriptorProto, name: "oneofIndex" | "defaultValue" | "jsonName"): boolean {
  return isFieldSet(fd, FieldDescriptorProtoSchema.field[name]);
}

function descOf(opts: Message): DescMessage {
  const desc = OPTION_SCHEMAS.get(opts.$typeName);
  if (!desc) throw new Error(`unsupported options message ${opts.$typeName}`);
  return desc;
}

const OPTION_SCHEMAS = new Map<string, DescMessage>(
  [
    FileOptionsSchema,
    MessageOptionsSchema,
    FieldOptionsSchema,
    OneofOptionsSchema,
    EnumOptionsSchema,
    EnumValueOptionsSchema,
  ].map((s) => [s.typeName, s]),
);

function scalarText(v: unknown): string {
  return typeof v === "string" ? quote(v) : String(v);
}

function quote(s: string): string {
  let out = '"';
  for (const byte of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(byte);
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (byte === 10) out += "\\n";
    else if (byte >= 0x20 && byte < 0x7f) out += c;
    else out += `\\${byte.toString(8).padStart(3, "0")}`;
  }
  return `${out}"`;
}

function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function indent(text: string, by: string): string {
  return text
    .split("\n")
    .map((l) => (l === "" ? l : by + l))
    .join("\n");
}
