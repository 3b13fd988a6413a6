/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Loading: compiled objects opened through libbpf (sections, maps, relocations), and what the
// simulator refuses at load time, with the program, the instruction and the reason.

#include "bpf-asm.h"

#include "ns3/bpf-error.h"
#include "ns3/bpf-reuseport-program.h"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>

namespace ns3
{
namespace test
{
namespace
{

using namespace bpfasm;

std::string
Program(const std::string& name)
{
    return std::string(RPM_BPF_DIR) + "/" + name + ".bpf.o";
}

std::string
TestProgram(const std::string& name)
{
    return std::string(RPM_BPF_TEST_DIR) + "/" + name + ".bpf.o";
}

/// The load error of a hand-written program.
BpfLoadError
LoadError(const Prog& p, const std::vector<BpfMapDef>& maps = {})
{
    try
    {
        EbpfProgram::Load(p.Info(), maps);
    }
    catch (const BpfLoadError& e)
    {
        return e;
    }
    ADD_FAILURE() << "the program loaded";
    return BpfLoadError("", 0, "");
}

/// The load error of an object file.
BpfLoadError
ObjectError(const std::string& path)
{
    try
    {
        Ptr<BpfReuseportProgram> p = CreateObject<BpfReuseportProgram>();
        p->Load(path);
    }
    catch (const BpfLoadError& e)
    {
        return e;
    }
    ADD_FAILURE() << path << " loaded";
    return BpfLoadError("", 0, "");
}

bool
Has(const BpfLoadError& e, const std::string& text)
{
    return e.GetReason().find(text) != std::string::npos;
}

TEST(BpfLoad, OpensTheMigrateToNewObject)
{
    BpfObject o = BpfObject::Open(Program("migrate-to-new"));
    ASSERT_EQ(o.GetPrograms().size(), 1u);
    const BpfProgramInfo& p = o.GetPrograms()[0];
    EXPECT_EQ(p.name, "migrate_to_new");
    EXPECT_EQ(p.section, "sk_reuseport/migrate");
    EXPECT_EQ(p.type, BPF_PROG_TYPE_SK_REUSEPORT);
    EXPECT_EQ(p.attachType, BPF_SK_REUSEPORT_SELECT_OR_MIGRATE);
    // libbpf lists maps in its own order: find them by name.
    ASSERT_EQ(o.GetMaps().size(), 2u);
    auto map = [&o](const std::string& name) {
        for (const BpfMapDef& m : o.GetMaps())
        {
            if (m.name == name)
            {
                return m;
            }
        }
        ADD_FAILURE() << "no map " << name;
        return BpfMapDef{};
    };
    BpfMapDef listeners = map("new_listeners");
    EXPECT_EQ(listeners.type, BPF_MAP_TYPE_REUSEPORT_SOCKARRAY);
    EXPECT_EQ(listeners.keySize, 4u);
    EXPECT_EQ(listeners.valueSize, 8u);
    EXPECT_EQ(listeners.maxEntries, 64u);
    BpfMapDef count = map("new_count");
    EXPECT_EQ(count.type, BPF_MAP_TYPE_ARRAY);
    EXPECT_EQ(count.valueSize, 4u);
    EXPECT_EQ(count.maxEntries, 1u);
    // Both map references were resolved: each names its map by index.
    std::vector<std::string> refs;
    for (const struct bpf_insn& i : p.insns)
    {
        if (i.code == (BPF_LD | BPF_IMM | BPF_DW) && i.src_reg == BPF_PSEUDO_MAP_FD)
        {
            refs.push_back(o.GetMaps().at(i.imm).name);
        }
    }
    // The lookup of new_count comes first, then the selection from new_listeners.
    EXPECT_EQ(refs, (std::vector<std::string>{"new_count", "new_listeners"}));
}

TEST(BpfLoad, SectionNamesGiveTheAttachType)
{
    Ptr<BpfReuseportProgram> migrate = CreateObject<BpfReuseportProgram>();
    migrate->Load(Program("refuse-migration"));
    EXPECT_EQ(migrate->GetAttachType(), ReuseportProgram::SELECT_OR_MIGRATE);
    EXPECT_EQ(migrate->GetName(), "refuse_migration");
    Ptr<BpfReuseportProgram> select = CreateObject<BpfReuseportProgram>();
    select->Load(TestProgram("printk"));
    EXPECT_EQ(select->GetAttachType(), ReuseportProgram::SELECT);
}

TEST(BpfLoad, TracePrintkReadsItsFormatFromRodata)
{
    BpfObject o = BpfObject::Open(TestProgram("printk"));
    EbpfVm vm(EbpfProgram::Load(o.GetProgram(""), o.GetMaps()));
    TestHost host;
    EbpfRunContext ctx;
    ctx.hash = 42;
    ctx.len = 20;
    EXPECT_EQ(vm.Run(ctx, &host), static_cast<uint64_t>(SK_PASS));
    EXPECT_EQ(host.traces, std::vector<std::string>{"hash 42 len 20"});
}

TEST(BpfLoad, BpfFunctionsRunInFramesOfTheirOwn)
{
    // calls.bpf.c, with hash 1 and len 7: its comment works the values out.
    BpfObject o = BpfObject::Open(TestProgram("calls"));
    EbpfVm vm(EbpfProgram::Load(o.GetProgram(""), o.GetMaps()));
    TestHost host;
    EbpfRunContext ctx;
    ctx.hash = 1;
    ctx.len = 7;
    EXPECT_EQ(vm.Run(ctx, &host), static_cast<uint64_t>(SK_PASS));
    BpfMap* out = vm.GetMap(static_cast<uint32_t>(vm.FindMap("out")));
    ASSERT_NE(out, nullptr);
    std::vector<uint64_t> values;
    for (uint32_t key = 0; key < 4; ++key)
    {
        int32_t slot = out->Lookup(reinterpret_cast<const uint8_t*>(&key));
        ASSERT_GE(slot, 0);
        uint64_t v = 0;
        std::memcpy(&v, out->GetValues() + slot * sizeof(v), sizeof(v));
        values.push_back(v);
    }
    EXPECT_EQ(values, (std::vector<uint64_t>{24, 227, 7, 11}));
}

TEST(BpfLoad, CallsNestedDeeperThanEightFramesStop)
{
    // A function that calls itself: the verifier refuses recursion; the interpreter stops at
    // the eighth frame, as MAX_CALL_FRAMES bounds a verified program.
    Prog recursive;
    recursive << Insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -1) << Exit();
    EbpfVm vm(EbpfProgram::Load(recursive.Info(), {}));
    TestHost host;
    try
    {
        vm.Run(EbpfRunContext{}, &host);
        ADD_FAILURE() << "the run ended";
    }
    catch (const BpfRuntimeError& e)
    {
        EXPECT_EQ(e.GetInsn(), 0);
        EXPECT_NE(e.GetReason().find("more than 8 frames"), std::string::npos) << e.GetReason();
    }
}

TEST(BpfLoad, RefusesAFileThatIsNotAnObject)
{
    std::string path = testing::TempDir() + "bpf-not-an-object.o";
    std::ofstream(path) << "this is not ELF\n";
    BpfLoadError e = ObjectError(path);
    EXPECT_EQ(e.GetWhere(), path);
    EXPECT_TRUE(Has(e, "not an ELF file")) << e.what();
    EXPECT_TRUE(Has(ObjectError(testing::TempDir() + "bpf-missing.o"), "No such file"));
}

TEST(BpfLoad, RefusesAnUnsupportedMapType)
{
    BpfLoadError e = ObjectError(TestProgram("lru-map"));
    EXPECT_TRUE(Has(e, "map seen has type LRU_HASH")) << e.what();
}

TEST(BpfLoad, RefusesAnotherProgramType)
{
    BpfLoadError e = ObjectError(TestProgram("xdp-pass"));
    EXPECT_EQ(e.GetWhere(), "xdp_pass");
    EXPECT_TRUE(Has(e, "not SK_REUSEPORT")) << e.what();
}

TEST(BpfLoad, RefusesAnUnknownHelper)
{
    BpfLoadError e = ObjectError(TestProgram("smp-processor-id"));
    EXPECT_EQ(e.GetWhere(), "smp_processor_id");
    EXPECT_EQ(e.GetInsn(), 0); // the call is the first instruction
    EXPECT_TRUE(Has(e, "unknown helper 8")) << e.what();
}

TEST(BpfLoad, RefusesAContextReadOutsideTheFields)
{
    BpfLoadError e = ObjectError(TestProgram("context-padding"));
    EXPECT_EQ(e.GetWhere(), "context_padding");
    EXPECT_EQ(e.GetInsn(), 0);
    EXPECT_TRUE(Has(e, "offset 36 of sk_reuseport_md (padding)")) << e.what();
    // By hand: past the end, a half pointer, a narrow hash, a write; also through a copy of
    // the context pointer moved by a constant.
    Prog end;
    end << Ldx(BPF_W, 0, 1, 56) << Exit();
    EXPECT_TRUE(Has(LoadError(end), "offset 56"));
    Prog half;
    half << Ldx(BPF_W, 0, 1, 44) << Exit();
    EXPECT_TRUE(Has(LoadError(half), "(sk)"));
    Prog narrowHash;
    narrowHash << Ldx(BPF_B, 0, 1, 32) << Exit();
    EXPECT_TRUE(Has(LoadError(narrowHash), "(hash)"));
    Prog write;
    write << St(BPF_W, 1, 16, 0) << Mov64(0, 1) << Exit();
    EXPECT_TRUE(Has(LoadError(write), "read-only"));
    Prog moved;
    moved << Alu64X(BPF_MOV, 6, 1) << Alu64K(BPF_ADD, 6, 32) << Ldx(BPF_W, 0, 6, 4) << Exit();
    BpfLoadError e2 = LoadError(moved);
    EXPECT_EQ(e2.GetInsn(), 2);
    EXPECT_TRUE(Has(e2, "offset 36")) << e2.what();
}

TEST(BpfLoad, RefusesAMissingMap)
{
    BpfMapDef one;
    one.name = "one";
    one.type = BPF_MAP_TYPE_ARRAY;
    one.keySize = 4;
    one.valueSize = 4;
    one.maxEntries = 1;
    Prog p;
    p << Lddw(1, 0, BPF_PSEUDO_MAP_FD) << Lddw(1, 0, BPF_PSEUDO_MAP_FD) << Mov64(0, 1) << Exit();
    p.insns[2].imm = 3;
    BpfLoadError e = LoadError(p, {one});
    EXPECT_EQ(e.GetInsn(), 2);
    EXPECT_TRUE(Has(e, "reference to map 3, but the object has 1 map(s)")) << e.what();
    Ptr<BpfReuseportProgram> prog = CreateObject<BpfReuseportProgram>();
    prog->Load(Program("migrate-to-new"));
    EXPECT_THROW(prog->GetSockArray("no_such_map"), BpfLoadError);
    EXPECT_THROW(prog->GetSockArray("new_count"), BpfLoadError); // not a sockarray
    uint32_t key = 0;
    uint32_t value = 0;
    EXPECT_THROW(prog->LookupElem("new_listeners", &key, &value), BpfLoadError);
}

TEST(BpfLoad, RefusesJumpsOutOfRange)
{
    Prog forward;
    forward << Mov64(0, 1) << JmpK(BPF_JMP, BPF_JEQ, 0, 1, 5) << Exit();
    BpfLoadError e = LoadError(forward);
    EXPECT_EQ(e.GetInsn(), 1);
    EXPECT_TRUE(Has(e, "jump out of range (to 7 of 3)")) << e.what();
    Prog backward;
    backward << Mov64(0, 1) << Insn(BPF_JMP | BPF_JA, 0, 0, -3, 0) << Exit();
    EXPECT_TRUE(Has(LoadError(backward), "jump out of range (to -1 of 3)"));
    Prog middle; // into the second half of a 64-bit load
    middle << Insn(BPF_JMP | BPF_JA, 0, 0, 1, 0) << Lddw(0, 1) << Exit();
    EXPECT_TRUE(Has(LoadError(middle), "middle of a 64-bit immediate load"));
}

TEST(BpfLoad, RefusesOtherBadInstructions)
{
    Prog divZero;
    divZero << Mov64(0, 1) << Alu64K(BPF_DIV, 0, 0) << Exit();
    EXPECT_TRUE(Has(LoadError(divZero), "division by zero"));
    Prog shift;
    shift << Mov64(0, 1) << Alu32K(BPF_LSH, 0, 32) << Exit();
    EXPECT_TRUE(Has(LoadError(shift), "invalid shift 32"));
    Prog fp;
    fp << Mov64(10, 0) << Exit();
    EXPECT_TRUE(Has(LoadError(fp), "read-only"));
    Prog end;
    end << Mov64(0, 1);
    EXPECT_TRUE(Has(LoadError(end), "past its last instruction"));
    Prog opcode;
    opcode << Insn(0xff, 0, 0, 0, 0) << Exit();
    EXPECT_EQ(LoadError(opcode).GetInsn(), 0);
    Prog farCall;
    farCall << Insn(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 5) << Exit() << Mov64(0, 1)
            << Exit();
    EXPECT_TRUE(Has(LoadError(farCall), "call of a BPF function out of range (to 6 of 4)"));
    Prog ldAbs;
    ldAbs << Insn(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 0) << Exit();
    EXPECT_TRUE(Has(LoadError(ldAbs), "LD_ABS"));
}

TEST(BpfLoad, RefusesASockarrayGivenToMapHelpers)
{
    BpfMapDef socks;
    socks.name = "socks";
    socks.type = BPF_MAP_TYPE_REUSEPORT_SOCKARRAY;
    socks.keySize = 4;
    socks.valueSize = 8;
    socks.maxEntries = 4;
    Prog p;
    p << St(BPF_W, 10, -4, 0) << Lddw(1, 0, BPF_PSEUDO_MAP_FD) << Alu64X(BPF_MOV, 2, 10)
      << Alu64K(BPF_ADD, 2, -4) << Call(BPF_FUNC_map_lookup_elem) << Mov64(0, 1) << Exit();
    BpfLoadError e = LoadError(p, {socks});
    EXPECT_EQ(e.GetInsn(), 5);
    EXPECT_TRUE(Has(e, "map socks (REUSEPORT_SOCKARRAY)")) << e.what();
}

} // namespace
} // namespace test
} // namespace ns3
