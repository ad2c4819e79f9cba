"""Writes tiny-llama.gguf (a 2-layer GQA LLaMA, dim 32, 4 heads / 2 KV heads, vocab 300, F32, seeded random
weights, SentencePiece-style vocabulary) and tiny-llama.expected.json: the last-position logits of a 7-token prompt
computed here in float64 by a plain, independent forward pass (RMSNorm, RoPE on adjacent pairs as llama.cpp's
"llama" architecture expects, causal GQA attention, SwiGLU). Pure Python, no dependencies:
    python3 make_tiny_llama_gguf.py tiny-llama.gguf tiny-llama.expected.json
"""
import struct, random, math, sys, json
random.seed(3)
dim, layers, heads, kvh, ffn, vocab = 32, 2, 4, 2, 48, 300
hd = dim//heads
def s(x): b=x.encode(); return struct.pack('<Q',len(b))+b
kvs=[]
def kv_str(k,v): kvs.append(s(k)+struct.pack('<I',8)+s(v))
def kv_u32(k,v): kvs.append(s(k)+struct.pack('<I',4)+struct.pack('<I',v))
def kv_f32(k,v): kvs.append(s(k)+struct.pack('<I',6)+struct.pack('<f',v))
def kv_arr(k,t,vals):
    body=struct.pack('<IQ',t,len(vals))
    for v in vals:
        if t==8: body+=s(v)
        elif t==6: body+=struct.pack('<f',v)
        elif t==5: body+=struct.pack('<i',v)
    kvs.append(s(k)+struct.pack('<I',9)+body)
kv_str('general.architecture','llama')
kv_u32('llama.context_length',256); kv_u32('llama.embedding_length',dim); kv_u32('llama.block_count',layers)
kv_u32('llama.feed_forward_length',ffn); kv_u32('llama.attention.head_count',heads); kv_u32('llama.attention.head_count_kv',kvh)
kv_f32('llama.attention.layer_norm_rms_epsilon',1e-5); kv_f32('llama.rope.freq_base',10000.0); kv_u32('general.file_type',0)
toks=['<unk>','<s>','</s>']+['<0x%02X>'%i for i in range(256)]
while len(toks)<vocab: toks.append('\u2581t%d'%len(toks))
kv_str('tokenizer.ggml.model','llama'); kv_arr('tokenizer.ggml.tokens',8,toks)
kv_arr('tokenizer.ggml.scores',6,[0.0]*3+[0.0]*256+[-float(i) for i in range(vocab-259)])
kv_arr('tokenizer.ggml.token_type',5,[2,3,3]+[6]*256+[1]*(vocab-259))
kv_u32('tokenizer.ggml.bos_token_id',1); kv_u32('tokenizer.ggml.eos_token_id',2); kv_u32('tokenizer.ggml.unknown_token_id',0)
W={}
def mat(name, rows, cols, scale): W[name]=(cols,rows,[[random.gauss(0,scale) for _ in range(cols)] for _ in range(rows)])
def vec(name,n): W[name]=(n,None,[[1.0+random.gauss(0,0.1) for _ in range(n)]])
mat('token_embd.weight',vocab,dim,1.0)
for l in range(layers):
    vec(f'blk.{l}.attn_norm.weight',dim)
    mat(f'blk.{l}.attn_q.weight',dim,dim,1/math.sqrt(dim)); mat(f'blk.{l}.attn_k.weight',kvh*hd,dim,1/math.sqrt(dim))
    mat(f'blk.{l}.attn_v.weight',kvh*hd,dim,1/math.sqrt(dim)); mat(f'blk.{l}.attn_output.weight',dim,dim,1/math.sqrt(dim))
    vec(f'blk.{l}.ffn_norm.weight',dim)
    mat(f'blk.{l}.ffn_gate.weight',ffn,dim,1/math.sqrt(dim)); mat(f'blk.{l}.ffn_up.weight',ffn,dim,1/math.sqrt(dim)); mat(f'blk.{l}.ffn_down.weight',dim,ffn,1/math.sqrt(ffn))
vec('output_norm.weight',dim); mat('output.weight',vocab,dim,1/math.sqrt(dim))
infos=b''; data=b''; 
for name,(cols,rows,m) in W.items():
    while len(data)%32: data+=b'\0'
    off=len(data)
    if rows is None: infos+=s(name)+struct.pack('<I',1)+struct.pack('<Q',cols)
    else: infos+=s(name)+struct.pack('<I',2)+struct.pack('<QQ',cols,rows)
    infos+=struct.pack('<IQ',0,off)
    for r in m: data+=struct.pack('<%df'%len(r),*r)
hdr=b'GGUF'+struct.pack('<IQQ',3,len(W),len(kvs))+b''.join(kvs)+infos
while len(hdr)%32: hdr+=b'\0'
open(sys.argv[1],'wb').write(hdr+data)
# reference forward (llama.cpp NORM rope: adjacent pairs)
def rms(x,w): ss=sum(v*v for v in x)/len(x); r=1/math.sqrt(ss+1e-5); return [x[i]*r*w[i] for i in range(len(x))]
def mv(m,x): return [sum(a*b for a,b in zip(row,x)) for row in m]
def rope(v,pos):
    out=list(v)
    for h in range(len(v)//hd):
        for i in range(0,hd,2):
            th=pos*10000**(-i/hd); c,s_=math.cos(th),math.sin(th); a,b=v[h*hd+i],v[h*hd+i+1]
            out[h*hd+i]=a*c-b*s_; out[h*hd+i+1]=a*s_+b*c
    return out
tokens=[1,5,77,200,13,299,42]
xs=[list(W['token_embd.weight'][2][t]) for t in tokens]
for l in range(layers):
    g=lambda n: W[f'blk.{l}.{n}.weight'][2]
    hs=[rms(x,g('attn_norm')[0]) for x in xs]
    q=[rope(mv(g('attn_q'),h),p) for p,h in enumerate(hs)]; k=[rope(mv(g('attn_k'),h),p) for p,h in enumerate(hs)]; v=[mv(g('attn_v'),h) for h in hs]
    for p in range(len(xs)):
        att=[]
        for h in range(heads):
            kh=h//(heads//kvh)
            sc=[sum(q[p][h*hd+i]*k[j][kh*hd+i] for i in range(hd))/math.sqrt(hd) for j in range(p+1)]
            mx=max(sc); e=[math.exp(z-mx) for z in sc]; z=sum(e)
            att+= [sum(e[j]/z*v[j][kh*hd+i] for j in range(p+1)) for i in range(hd)]
        o=mv(g('attn_output'),att); xs[p]=[a+b for a,b in zip(xs[p],o)]
    for p in range(len(xs)):
        h=rms(xs[p],g('ffn_norm')[0]); a=mv(g('ffn_gate'),h); b=mv(g('ffn_up'),h)
        m=[ai/(1+math.exp(-ai))*bi for ai,bi in zip(a,b)]; o=mv(g('ffn_down'),m); xs[p]=[x+y for x,y in zip(xs[p],o)]
h=rms(xs[-1],W['output_norm.weight'][2][0]); logits=mv(W['output.weight'][2],h)
json.dump({'tokens':tokens,'logits':logits},open(sys.argv[2],'w'))
print('ok', logits[:5])
