import json, collections, sys
d=json.load(open(sys.argv[1]))
fr=[f['name'] for f in d['shared']['frames']]
incl=collections.Counter(); selfc=collections.Counter(); total=0.0
for p in d['profiles']:
    stack=[]; last=None
    for e in p['events']:
        t=e['at']
        if last is not None and stack and t>last and fr[stack[-1]]=='CPU_TIME':
            dt=t-last; names=[fr[i] for i in stack]
            total+=dt
            for n in set(names): incl[n]+=dt
            selfc[names[-2] if len(names)>1 else names[-1]]+=dt
        last=t
        if e['type']=='O': stack.append(e['frame'])
        elif stack: stack.pop()
print('total cpu ms', round(total))
key=sys.argv[2] if len(sys.argv)>2 else ''
n=int(sys.argv[3]) if len(sys.argv)>3 else 60
shown=0
for name,w in incl.most_common():
    if key and key not in name: continue
    print('%5.1f%% %s'%(100*w/total, name[:160])); shown+=1
    if shown>=n: break
print('--- self')
for name,w in selfc.most_common(30): print('%5.1f%% %s'%(100*w/total, name[:160]))
