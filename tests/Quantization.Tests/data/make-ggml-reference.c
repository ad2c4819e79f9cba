#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <stdint.h>
void quantize_row_q4_0_ref(const float*, void*, int64_t);
void quantize_row_q8_0_ref(const float*, void*, int64_t);
void quantize_row_q4_K_ref(const float*, void*, int64_t);
void quantize_row_q6_K_ref(const float*, void*, int64_t);
int main(){
  int n = 256*64; float* x = malloc(n*4);
  unsigned s = 12345;
  for (int i=0;i<n;i++){ s = s*1103515245u+12345u; double u1 = ((s>>8)+1)/16777217.0; s = s*1103515245u+12345u; double u2 = (s>>8)/16777216.0;
    x[i] = (float)(sqrt(-2*log(u1))*cos(2*M_PI*u2)) * (i < n/2 ? 1.0f : 0.01f*(1+i%7)); if (i%97==0) x[i] = 0; if (i%251==0) x[i]=fabsf(x[i])+0.3f; }
  for (int i=256*10;i<256*11;i++) x[i] = fabsf(x[i]) + 1.0f; // all-positive block
  for (int i=256*12;i<256*13;i++) x[i] = -fabsf(x[i]) - 1.0f; // all-negative block
  FILE* f = fopen("data.bin","wb"); fwrite(x,4,n,f); fclose(f);
  unsigned char* q = malloc(n*2);
  quantize_row_q8_0_ref(x,q,n); f=fopen("q8_0.bin","wb"); fwrite(q,1,n/32*34,f); fclose(f);
  quantize_row_q4_0_ref(x,q,n); f=fopen("q4_0.bin","wb"); fwrite(q,1,n/32*18,f); fclose(f);
  quantize_row_q4_K_ref(x,q,n); f=fopen("q4_k.bin","wb"); fwrite(q,1,n/256*144,f); fclose(f);
  quantize_row_q6_K_ref(x,q,n); f=fopen("q6_k.bin","wb"); fwrite(q,1,n/256*210,f); fclose(f);
  return 0; }
