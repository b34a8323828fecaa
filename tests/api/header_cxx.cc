// The public header must compile and link from C++ (extern "C" guards).
#include <syncmap.h>

int main()
{
	struct syncmap *m = nullptr;
	return syncmap_length(m) == 0 ? 0 : 1;
}
