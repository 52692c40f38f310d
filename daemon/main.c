/* main.c -- samvirked entry point. */
int main(void) { return 0; }
