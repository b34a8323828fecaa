/* The public header must compile alone as strict C99. */
#include <syncmap.h>

int main(void)
{
	return syncmap_granularity_name(SYNCMAP_GRAN_PAGE)[0] == 'p' ? 0 : 1;
}
