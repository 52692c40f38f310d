/* main.c -- samvirke entry point. */
int main(void) { return 0; }
